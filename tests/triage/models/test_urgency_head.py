"""The shipped urgency head: versioned like the other tasks, read on the embeddings the intent heads read."""

from __future__ import annotations

import pytest

from triage.models import registry
from triage.models.urgency import DEFAULT_URGENCY_DIR, UrgencyHead, load_urgency_head
from triage.training.urgency import VALIDATION_KEY


def test_the_packaged_head_is_in_use_and_its_card_says_what_the_rule_compares(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(tmp_path))  # no versions there: the packaged head
    head = load_urgency_head()
    assert head is not None and head.version == "packaged" and head.path == DEFAULT_URGENCY_DIR
    assert {f"{VALIDATION_KEY} (en)", f"{VALIDATION_KEY} (it)"} <= set(head.card.validation)
    assert "no public urgency" in head.card.training["public_validation"] or "none exists" in \
        head.card.training["public_validation"]


def test_it_gives_one_probability_per_post_and_reads_only_the_encoder_it_was_trained_on():
    torch = pytest.importorskip("torch")
    head = UrgencyHead(DEFAULT_URGENCY_DIR)
    probs = head.probabilities(torch.zeros((2, head.dim)), ["ok", "the charger is smoking"])
    assert len(probs) == 2 and all(0.0 <= p <= 1.0 for p in probs)
    assert head.probabilities(torch.zeros((0, head.dim)), []) == []
    assert not head.reads(None)  # trained on the tuned encoder: the plain one's embeddings are not for it


def test_a_promoted_urgency_version_changes_the_recorded_model_version(tmp_path):
    assert registry.urgency_suffix(tmp_path) == ""  # the packaged head: labels stay as they were
    folder = tmp_path / "urgency" / "urgency-20261130-010203"
    folder.mkdir(parents=True)
    (folder / "model.json").write_text('{"name": "u", "task": "urgency"}', encoding="utf-8")
    registry._write_state("urgency", tmp_path, {"version": folder.name, "history": []})
    assert registry.urgency_suffix(tmp_path).startswith("/u:") and len(registry.urgency_suffix(tmp_path)) == 9


@pytest.mark.model
def test_one_pass_gives_each_post_its_urgency_beside_sentiment_and_intent():
    from triage.models.analysis import analyse

    texts = ["Il caricabatterie fa scintille e puzza di bruciato, ho dei bambini in casa. Cosa faccio?",
             "Someone logged into my account from another country and changed my password, help now",
             "Lovely new app design, well done team"]
    found = analyse(texts)
    assert all(a.p_urgent is not None for a in found)
    sparks, takeover, praise = (a.p_urgent for a in found)
    assert min(sparks, takeover) > 0.5 > praise
