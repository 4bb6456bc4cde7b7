"""The team's sentiment labels fit heads gated by language: the main head and other languages stay as they were."""

from __future__ import annotations

import hashlib
import json

import pytest

from triage.models.card import ModelCard
from triage.training.language_heads import fit_language_heads
from triage.training.sentiment_head import HeadRefitConfig

torch = pytest.importorskip("torch")
DIM = 8


class HashEncoder:
    """A stand-in encoder: a fixed pseudo-random vector per text."""

    dim = DIM


class HashEmbeddings:
    encoder = HashEncoder()

    def embed(self, texts):
        rows = [[b / 255 for b in hashlib.sha256(t.encode()).digest()[:DIM]] for t in texts]
        return torch.tensor(rows, dtype=torch.float32)


def model_in_use(folder):
    from safetensors.torch import save_file

    from triage.models.sentiment import build_head

    folder.mkdir()
    head = build_head(DIM, 0, 3)
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(folder / "head.safetensors"))
    return ModelCard(name="s", task="sentiment", hidden=0, labels=["negative", "neutral", "positive"])


def test_only_a_language_with_enough_labels_gets_a_head_and_the_main_head_is_not_touched(tmp_path):
    current = tmp_path / "current"
    card = model_in_use(current)
    main_before = (current / "head.safetensors").read_bytes()
    customer = tmp_path / "customer_posts.jsonl"
    customer.write_text(json.dumps({"id": "it-1", "author": "a", "lang": "it", "text": "linea giù da ieri",
                                    "intent": "complaint", "sentiment": "negative", "split": "train"}) + "\n",
                        encoding="utf-8")
    team = [(f"Complimenti davvero, {n} giorni senza fibra", "negative", "it") for n in range(12)]
    team += [("great service, thanks", "positive", "en"), ("no reply for days", "negative", "?")]
    folder = tmp_path / "candidate"
    folder.mkdir()
    heads = fit_language_heads(folder, current, card, team, tmp_path / "no-public-data", customer,
                               HashEmbeddings(), HeadRefitConfig(italian_epochs=2), team_weight=3, min_labels=10,
                               log=lambda _m: None)
    assert set(heads) == {"it"}  # English has 1 label, the undetected one gets no gate
    spec = card.heads["sentiment_by_language"]["it"]
    assert (folder / spec["file"]).is_file()
    assert spec["training"]["team_labels"] == 12 and spec["training"]["customer_posts"] == 1
    assert spec["training"]["started_from"] == "the main head"
    assert (current / "head.safetensors").read_bytes() == main_before
    assert not (folder / "head.safetensors").exists()  # the main head is the one in use, copied as it is
