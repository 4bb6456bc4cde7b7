"""The team's sentiment labels as language-gated heads: learning them cannot move the other languages.

``train from-corrections`` (``RetrainConfig.team_head = "language"``, the default) leaves the
main sentiment head of the model in use exactly as it is and fits, for each language with at
least ``min_labels`` of the team's train labels, a sentiment head used only for texts detected
in that language (the card's ``heads["sentiment_by_language"]``, which
``triage.models.sentiment.EncoderHeadModel.scores`` already routes to). Each starts from the
head the model in use gives that language (its language head, else its main head) and
continues on the team's labels in that language (each counted ``team_weight`` times) with two
anchors that keep it general: the public training set of that language where one exists
(UMSAB Italian / English train) and the authored customer posts' train split of that language.

English public sets (TweetEval, UMSAB English, airline) then see the same main head as before,
except for a text the language detector calls Italian; the Italian public set (UMSAB Italian
validation) sees the new Italian head, so the promotion rule still guards it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage.models.card import ModelCard
from triage.models.sentiment import _load_head
from triage.records import SENTIMENTS
from triage.tables.customer_posts import read_customer_posts
from triage.tables.datasets import read_tsv
from triage.text.normalize import normalize
from triage.training.embeddings import TextEmbeddingCache
from triage.training.sentiment_head import HeadRefitConfig, _continue

Log = Callable[[str], None]
PUBLIC_TRAIN: dict[str, str] = {"it": "umsab/italian/train.tsv", "en": "umsab/english/train.tsv"}


def language_heads_of(folder: Path, card: ModelCard, dim: int) -> dict[str, Any]:
    """The sentiment heads per language of the model in ``folder`` (empty: one head for every language)."""
    specs = (card.heads or {}).get("sentiment_by_language") or {}
    return {lang: _load_head(folder / spec["file"], dim, int(spec.get("hidden", card.hidden)), len(SENTIMENTS))
            for lang, spec in specs.items()}


def fit_language_heads(
    folder: Path, current_dir: Path, card: ModelCard, team: Sequence[tuple[str, str, str]], data: Path,
    customer: Path, embeddings: TextEmbeddingCache, config: HeadRefitConfig, team_weight: int, min_labels: int,
    log: Log,
) -> dict[str, Any]:
    """Fit and save (in ``folder``, listed in ``card.heads``) a head per language of ``team`` ((text, label,
    language) triples) with at least ``min_labels`` labels; every language head of the model in use is kept.
    Returns the language heads of the new version."""
    import torch
    from safetensors.torch import save_file

    labels = list(SENTIMENTS)
    current = language_heads_of(current_dir, card, embeddings.encoder.dim)
    heads = dict(current)
    specs = dict((card.heads or {}).get("sentiment_by_language") or {})
    customer_train = [p for p in read_customer_posts(customer, "train") if p.sentiment in SENTIMENTS]
    for lang in sorted({language for _, _, language in team} - {"", "?"}):  # no language detected: no gate
        rows = [(text, label) for text, label, language in team if language == lang and label in labels]
        if len(rows) < min_labels:
            log(f"language head ({lang}): {len(rows)} team labels, at least {min_labels} needed; kept as it was")
            continue
        public_file = data / PUBLIC_TRAIN[lang] if lang in PUBLIC_TRAIN else None
        public = read_tsv(public_file) if public_file is not None and public_file.is_file() else []
        posts = [p for p in customer_train if p.lang == lang]
        texts = ([normalize(e.text) for e in public] + [normalize(p.text) for p in posts]
                 + [normalize(text) for text, _ in rows] * team_weight)
        y = torch.tensor([labels.index(e.label) for e in public] + [labels.index(p.sentiment) for p in posts]
                         + [labels.index(label) for _, label in rows] * team_weight)
        start = current.get(lang) or _load_head(current_dir / "head.safetensors", embeddings.encoder.dim,
                                                card.hidden, len(labels))
        head = _continue(start, embeddings.embed(texts), y, config.italian_epochs, config.italian_batch_size,
                         config.italian_learning_rate, config.weight_decay, config.seed)
        name = f"head_team_{lang}.safetensors"
        save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(folder / name))
        specs[lang] = {"file": name, "hidden": card.hidden, "labels": labels,
                       "training": {"team_labels": len(rows), "team_weight": team_weight,
                                    "public_anchor": PUBLIC_TRAIN.get(lang) if public else None,
                                    "public_rows": len(public), "customer_posts": len(posts),
                                    "started_from": "its language head" if lang in current else "the main head"}}
        heads[lang] = head
        log(f"language head ({lang}): {len(rows)} team labels x{team_weight}, {len(public)} public rows, "
            f"{len(posts)} customer posts")
    card.heads = dict(card.heads or {})
    if specs:
        card.heads["sentiment_by_language"] = specs
    return heads
