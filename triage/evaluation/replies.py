"""``python -m triage evaluate replies``: the tone rules over an authored set, and history retrieval on twcs.

1. ``bench/data/replies_eval.jsonl``: 200+ authored English and Italian posts (both
   registers, with and without emoji, every intent, six channels), each labelled with its
   language, register, emoji use and intent. Every suggestion (history from the demo
   team's replies, FAQ, templates) is checked with ``triage.replies.rules.check``; the share
   passing each rule is printed against the tone the system detected and against the
   authored labels (which also counts tone-detection mistakes).
2. ``<data>/twcs/pairs.tsv``: real customer tweets with the brand's first reply. A fifth
   is held out (seed 13); the rest is indexed as the team's history. For each held-out
   tweet: does the history suggestion come from the same brand and (guessed) intent, and
   how close is it to the real reply (embedding cosine, token F1)? Random replies of the
   same brand are the baseline. Embeddings are cached under ``.cache/replies_eval/``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from triage.errors import TriageError
from triage.models.sentiment import PROJECT_ROOT
from triage.ranking.intent import final_intent
from triage.replies.drafts import DraftRequest, context_for, reviewed_texts, suggest
from triage.replies.history import _LEADING_HANDLES, _SIGNATURE, HistoryEntry, HistoryIndex, default_encoder
from triage.replies.rules import RULES, check, prose, signals_of
from triage.replies.tone import register_of
from triage.text.normalize import normalize

EVAL_SET = PROJECT_ROOT / "bench" / "data" / "replies_eval.jsonl"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
CACHE_DIR = PROJECT_ROOT / ".cache" / "replies_eval"
SIGNATURE = "^AB"
SEED = 13
HELD_OUT = 0.2
TARGET_RULES = ("language", "register", "emoji", "length")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise TriageError(f"{path} is missing; restore it from the repository")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def demo_history(encoder: Any) -> HistoryIndex:
    """The demo team's 164 replies as history (the same texts the dashboard's demo indexes)."""
    mentions = {(m["channel"], m["external_id"]): m for m in _read_jsonl(DEMO_DIR / "mentions.jsonl")}
    entries = []
    for item in _read_jsonl(DEMO_DIR / "replies.jsonl"):
        mention = mentions.get((item["channel"], item["mention_external_id"]))
        if mention is None:
            continue
        labels = mention.get("labels", {})
        entries.append(HistoryEntry(
            post=mention["text"], reply=item["text"], language=mention["lang"],
            register=register_of(mention["text"], mention["lang"]), channel=mention["channel"],
            author_name=mention["author"].get("display_name", ""),
            intent=final_intent(mention["text"], sentiment=labels.get("sentiment")) or "other", agent=item["agent"],
        ))
    index = HistoryIndex(encoder)
    index.add(entries)
    return index


@dataclass
class RuleFigures:
    posts: int = 0
    spam: int = 0
    spam_silent: int = 0
    suggestions: int = 0
    with_three: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)  # rule -> suggestions passing (detected tone)
    passed_labels: Counter[str] = field(default_factory=Counter)  # rule -> suggestions passing (authored labels)
    detection: Counter[str] = field(default_factory=Counter)  # language/register/emoji detected as labelled
    failures: list[str] = field(default_factory=list)


def evaluate_rules(posts: list[dict[str, Any]], model: Any, history: HistoryIndex | None) -> RuleFigures:
    figures = RuleFigures(sources=Counter(), passed=Counter(), passed_labels=Counter(), detection=Counter(),
                          failures=[])
    texts = [p["text"] for p in posts]
    scores = model.predict(texts) if model is not None else [None] * len(texts)
    allowed = reviewed_texts()
    for post, score in zip(posts, scores):
        sentiment = score.label if score is not None else None
        p_negative = score.p_negative if score is not None else 0.0
        if post["intent"] == "spam":
            figures.spam += 1
            _, drafts = suggest(DraftRequest(post["text"], post["channel"], post["author"], sentiment=sentiment,
                                             p_negative=p_negative, signature=SIGNATURE, intent="spam"))
            figures.spam_silent += not drafts
            continue
        figures.posts += 1
        tone, drafts = suggest(DraftRequest(post["text"], post["channel"], post["author"], sentiment=sentiment,
                                            p_negative=p_negative, signature=SIGNATURE, intent=post["intent"]),
                               history=history)
        labelled = replace(tone, language=post["lang"], register=post["register"], emoji=post["emoji"])
        figures.detection["language"] += tone.language == post["lang"]
        figures.detection["register"] += tone.register == post["register"]
        figures.detection["emoji"] += tone.emoji == post["emoji"]
        figures.with_three += len(drafts) >= 3
        signals = signals_of(post["text"])
        for draft in drafts:
            figures.suggestions += 1
            figures.sources[draft.source] += 1
            broken = {v.rule: v.message for v in check(draft.text, tone, post["channel"], post["intent"], signals,
                                                       SIGNATURE, allowed)}
            broken_labels = {v.rule for v in check(draft.text, labelled, post["channel"], post["intent"], signals,
                                                   SIGNATURE, allowed)}
            for rule in RULES:
                figures.passed[rule] += rule not in broken
                figures.passed_labels[rule] += rule not in broken_labels
            for rule, message in broken.items():
                figures.failures.append(f"{post['id']} [{draft.source}] {rule}: {message}")
    return figures


def clean_reply(text: str) -> str:
    """A brand reply without the leading @handles and the agent's sign-off (``^KC``, ``-AA``), as suggestions are."""
    return _SIGNATURE.sub("", _LEADING_HANDLES.sub("", text.strip())).strip()


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", prose(normalize(text)).replace("@user", " ").lower())


def token_f1(predicted: str, reference: str) -> float:
    pred, ref = Counter(_tokens(predicted)), Counter(_tokens(reference))
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _cached_embeddings(encoder: Any, texts: list[str], name: str) -> np.ndarray:
    which = str(getattr(encoder, "adapter", None) or "plain")  # the tuned and the plain encoder never mix
    digest = hashlib.sha256(("\n".join(texts) + which).encode("utf-8")).hexdigest()[:16]
    path = CACHE_DIR / f"{name}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    index = HistoryIndex(encoder)
    vectors = index.embed(texts)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _cached_sentiment(model: Any, texts: list[str]) -> list[str | None]:
    if model is None:
        return [None] * len(texts)
    digest = hashlib.sha256(("\n".join(texts) + model.name).encode("utf-8")).hexdigest()[:16]
    path = CACHE_DIR / f"sentiment-{digest}.json"
    if path.is_file():
        return json.loads(path.read_text())
    labels = [s.label for s in model.predict(texts)]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(labels))
    return labels


def read_pairs(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise TriageError(f"{path} not found; pass --data pointing at shared/data")
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["customer_text"] and row["brand_reply"]]


def evaluate_twcs(pairs: list[dict[str, str]], encoder: Any, model: Any) -> dict[str, Any]:
    order = list(range(len(pairs)))
    random.Random(SEED).shuffle(order)
    cut = int(len(pairs) * HELD_OUT)
    held, kept = order[:cut], order[cut:]
    posts = [p["customer_text"] for p in pairs]
    replies = [clean_reply(p["brand_reply"]) for p in pairs]
    post_vectors = _cached_embeddings(encoder, posts, "twcs-posts")
    reply_vectors = _cached_embeddings(encoder, replies, "twcs-replies")
    sentiments = _cached_sentiment(model, posts)
    intents = [final_intent(text, sentiment=sentiment) or "other" for text, sentiment in zip(posts, sentiments)]
    index = HistoryIndex(encoder, min_similarity=0.0)
    index.add([HistoryEntry(post=posts[i], reply=replies[i], language="en", register=register_of(posts[i], "en"),
                            channel="x", intent=intents[i], brand=pairs[i]["brand"]) for i in kept],
              vectors=post_vectors[kept])
    kept_reply_vectors = reply_vectors[kept]
    by_brand: dict[str, list[int]] = {}
    for position, i in enumerate(kept):
        by_brand.setdefault(pairs[i]["brand"], []).append(position)
    rng = random.Random(SEED)
    top1: dict[str, Any] = {"brand": 0, "intent": 0, "cosine": [], "f1": []}
    adapted: dict[str, Any] = {"covered": 0, "brand": 0, "intent": 0, "cosine": [], "f1": [], "texts": [],
                               "targets": []}
    baseline: dict[str, list[float]] = {"cosine": [], "f1": []}
    for i in held:
        [(best, similarity)] = index.nearest(post_vectors[i], k=1)
        entry = index.entries[best]
        top1["brand"] += entry.brand == pairs[i]["brand"]
        top1["intent"] += entry.intent == intents[i]
        top1["cosine"].append(float(kept_reply_vectors[best] @ reply_vectors[i]))
        top1["f1"].append(token_f1(entry.reply, replies[i]))
        same_brand = by_brand.get(pairs[i]["brand"])
        if same_brand:
            pick = rng.choice(same_brand)
            baseline["cosine"].append(float(kept_reply_vectors[pick] @ reply_vectors[i]))
            baseline["f1"].append(token_f1(index.entries[pick].reply, replies[i]))
        ctx = context_for(posts[i], "x", "", None, intents[i], "", sentiments[i])
        found = index.best(ctx, vector=post_vectors[i])
        if found is not None:
            text, chosen = found[0].text, found[1]
            adapted["covered"] += 1
            adapted["brand"] += chosen.brand == pairs[i]["brand"]
            adapted["intent"] += chosen.intent == intents[i]
            adapted["f1"].append(token_f1(text, replies[i]))
            adapted["texts"].append(text)
            adapted["targets"].append(i)
    if adapted["texts"]:
        vectors = HistoryIndex(encoder).embed(adapted["texts"])
        adapted["cosine"] = [float(v @ reply_vectors[i]) for v, i in zip(vectors, adapted["targets"])]
    n = len(held)

    def mean(values: list[float]) -> float:
        return float(np.mean(values)) if values else 0.0

    covered = max(adapted["covered"], 1)
    return {
        "pairs": len(pairs), "indexed": len(kept), "held_out": n, "brands": len(by_brand),
        "top1": {"same_brand": top1["brand"] / n, "same_intent": top1["intent"] / n,
                 "reply_cosine": mean(top1["cosine"]), "reply_token_f1": mean(top1["f1"])},
        "suggestion": {"coverage": adapted["covered"] / n, "same_brand": adapted["brand"] / covered,
                       "same_intent": adapted["intent"] / covered, "reply_cosine": mean(adapted["cosine"]),
                       "reply_token_f1": mean(adapted["f1"])},
        "random_same_brand": {"reply_cosine": mean(baseline["cosine"]), "reply_token_f1": mean(baseline["f1"])},
    }


def _rules_lines(figures: RuleFigures) -> list[str]:
    total = max(figures.suggestions, 1)
    sources = ", ".join(f"{k} {v}" for k, v in figures.sources.most_common())
    out = [
        (f"authored set: {figures.posts} posts ({EVAL_SET.relative_to(PROJECT_ROOT)}), "
         f"{figures.suggestions} suggestions, {figures.with_three} posts with 3 suggestions; sources: {sources}"),
        f"spam: {figures.spam_silent}/{figures.spam} spam posts got no suggestion",
        f"\n{'rule':<16}{'pass (detected tone)':>22}{'pass (authored labels)':>24}",
    ]
    for rule in RULES:
        marker = "  (target 100%)" if rule in TARGET_RULES else ""
        out.append(f"{rule:<16}{figures.passed[rule] / total:>22.1%}{figures.passed_labels[rule] / total:>24.1%}"
                   f"{marker}")
    posts = max(figures.posts, 1)
    out.append("\ntone detection vs authored labels: " + ", ".join(
        f"{k} {figures.detection[k] / posts:.1%}" for k in ("language", "register", "emoji")))
    out += [f"  fails: {failure}" for failure in figures.failures[:20]]
    return out


def _twcs_lines(result: dict[str, Any]) -> list[str]:
    top, sug, base = result["top1"], result["suggestion"], result["random_same_brand"]
    return [
        (f"\ntwcs: {result['pairs']} pairs, {result['brands']} brands; {result['indexed']} indexed as history, "
         f"{result['held_out']} held out (seed {SEED})"),
        f"{'system':<34}{'coverage':>9}{'same brand':>12}{'same intent':>13}{'reply cosine':>14}{'reply F1':>10}",
        (f"{'nearest earlier post (top 1)':<34}{1.0:>9.1%}{top['same_brand']:>12.1%}{top['same_intent']:>13.1%}"
         f"{top['reply_cosine']:>14.3f}{top['reply_token_f1']:>10.3f}"),
        (f"{'history suggestion (adapted)':<34}{sug['coverage']:>9.1%}{sug['same_brand']:>12.1%}"
         f"{sug['same_intent']:>13.1%}{sug['reply_cosine']:>14.3f}{sug['reply_token_f1']:>10.3f}"),
        (f"{'random reply of the same brand':<34}{'':>9}{'':>12}{'':>13}{base['reply_cosine']:>14.3f}"
         f"{base['reply_token_f1']:>10.3f}"),
    ]


@dataclass
class RepliesEvaluation:
    """The authored set's rule figures, the twcs figures (None without the pairs file) and any warnings."""

    rules: RuleFigures
    twcs: dict[str, Any] | None
    twcs_path: Path
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        figures = self.rules
        total = max(figures.suggestions, 1)
        return json.dumps({
            "authored": {"posts": figures.posts, "suggestions": figures.suggestions, "sources": dict(figures.sources),
                         "pass": {r: figures.passed[r] / total for r in RULES},
                         "pass_vs_labels": {r: figures.passed_labels[r] / total for r in RULES},
                         "spam_silent": figures.spam_silent, "spam": figures.spam},
            "twcs": self.twcs,
        })

    def lines(self) -> list[str]:
        """The figures as the report ``evaluate replies`` prints."""
        out = _rules_lines(self.rules)
        if self.twcs is None:
            out.append(f"\ntwcs: {self.twcs_path} not found; pass --data pointing at shared/data")
        else:
            out += _twcs_lines(self.twcs)
        return out


def run(data: Path) -> RepliesEvaluation:
    """The authored set through the suggestions, and history retrieval on ``data``'s twcs pairs when present.

    Without the sentiment model, intensity uses the text alone and the record says so in ``warnings``.
    """
    from triage.models.sentiment import load_sentiment_model

    warnings = []
    try:
        model = load_sentiment_model()
    except TriageError as exc:
        warnings.append(f"no sentiment model ({exc}); intensity uses the text alone")
        model = None
    encoder = default_encoder()
    figures = evaluate_rules(_read_jsonl(EVAL_SET), model, demo_history(encoder))
    twcs_path = data / "twcs" / "pairs.tsv"
    twcs = evaluate_twcs(read_pairs(twcs_path), encoder, model) if twcs_path.is_file() else None
    return RepliesEvaluation(figures, twcs, twcs_path, warnings)
