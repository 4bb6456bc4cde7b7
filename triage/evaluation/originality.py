"""The share of suggestions that repeat us or borrow another customer's facts, before and after the rules.

"Before" runs the suggestions with the originality rules off (``DraftRequest.guard=False``),
"after" with them on; the same measures judge both:

- **repeat**: a suggestion (nearly) identical (word Jaccard >= 0.8, handles, links and signature
  ignored) to a reply already sent to the same customer. On the authored set each post is asked
  twice, as a customer writing again is: the first top suggestion stands for the reply sent to
  them days earlier. On twcs the replies the brand sent the same customer before are the real ones.
- **borrow**: a history suggestion whose source post shares no topic with this one, or that names
  specifics (amounts, references, menu paths, products, services, places) absent from this post;
  an FAQ suggestion on a money complaint that names what the post did not ask about; a template
  naming what neither the post nor a reviewed text names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from triage.replies.drafts import DraftRequest, Suggestion, context_for, reviewed_texts, suggest
from triage.replies.history import HistoryEntry, HistoryIndex
from triage.replies.originality import REPEAT_THRESHOLD, EarlierReply, absent_specifics, shares_topic, similarity
from triage.replies.rules import signals_of

PHASES = ("before", "after")


@dataclass
class OriginalityFigures:
    """Counts by (phase, language): suggestions, repeats, borrows, either."""

    suggestions: Counter[tuple[str, str]] = field(default_factory=Counter)
    repeats: Counter[tuple[str, str]] = field(default_factory=Counter)
    borrows: Counter[tuple[str, str]] = field(default_factory=Counter)
    either: Counter[tuple[str, str]] = field(default_factory=Counter)
    posts: Counter[tuple[str, str]] = field(default_factory=Counter)  # posts with at least one suggestion
    examples: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # what the measure still counts after the rules

    def languages(self) -> list[str]:
        return sorted({language for _, language in self.suggestions})

    def share(self, counter: Counter[tuple[str, str]], phase: str, language: str | None = None) -> float:
        keys = [k for k in self.suggestions if k[0] == phase and (language is None or k[1] == language)]
        total = sum(self.suggestions[k] for k in keys)
        return sum(counter[k] for k in keys) / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for phase in PHASES:
            for language in [None, *self.languages()]:
                out[f"{phase}:{language or 'all'}"] = {
                    "suggestions": sum(v for k, v in self.suggestions.items()
                                       if k[0] == phase and (language is None or k[1] == language)),
                    "repeat": self.share(self.repeats, phase, language),
                    "borrow": self.share(self.borrows, phase, language),
                    "repeat_or_borrow": self.share(self.either, phase, language)}
        return out

    def lines(self, title: str) -> list[str]:
        out = [f"\n{title}", f"{'language':<10}{'phase':<8}{'suggestions':>12}{'repeat':>9}{'borrow':>9}"
                               f"{'either':>9}"]
        for language in [*self.languages(), None]:
            for phase in PHASES:
                count = sum(v for k, v in self.suggestions.items()
                            if k[0] == phase and (language is None or k[1] == language))
                out.append(f"{language or 'all':<10}{phase:<8}{count:>12}"
                           f"{self.share(self.repeats, phase, language):>9.1%}"
                           f"{self.share(self.borrows, phase, language):>9.1%}"
                           f"{self.share(self.either, phase, language):>9.1%}")
        out += [f"  before: {example}" for example in self.examples[:4]]
        return out


def borrows(suggestion: Suggestion, post: str, author: str, intent: str, source_post: str | None = None,
            source_topic: str | None = None) -> bool:
    """Whether ``suggestion`` borrows: see the module's docstring."""
    here = f"{post} {author}"
    if suggestion.source == "history":
        off_topic = source_post is not None and not shares_topic(post, source_post, None, source_topic)
        return off_topic or bool(absent_specifics(suggestion.text, here))
    if suggestion.source == "faq":
        return intent == "complaint" and "money" in signals_of(post) and bool(absent_specifics(suggestion.text, here))
    return bool(absent_specifics(suggestion.text, here + " " + " ".join(reviewed_texts())))


def _count(figures: OriginalityFigures, key: tuple[str, str], repeat: bool, borrow: bool) -> None:
    figures.suggestions[key] += 1
    figures.repeats[key] += repeat
    figures.borrows[key] += borrow
    figures.either[key] += repeat or borrow


def authored(posts: Sequence[dict[str, Any]], scores: Sequence[Any], history: HistoryIndex,
             signature: str) -> OriginalityFigures:
    """Each non-spam post asked twice (the first top suggestion sent, then the customer writes again)."""
    figures = OriginalityFigures()
    by_ref = {str(entry.reply_id): entry for entry in history.entries}
    for post, score in zip(posts, scores):
        if post["intent"] == "spam":
            continue
        request = DraftRequest(post["text"], post["channel"], post["author"],
                               sentiment=score.label if score is not None else None,
                               p_negative=score.p_negative if score is not None else 0.0, signature=signature,
                               intent=post["intent"])
        for phase in PHASES:
            guard = phase == "after"
            first = suggest(replace(request, guard=guard), history=history)[1]
            sent: tuple[EarlierReply, ...] = (EarlierReply(first[0].text),) if first else ()
            again = suggest(replace(request, guard=guard, earlier=sent), history=history)[1]
            key = (phase, post["lang"])
            figures.posts[key] += bool(again)
            for suggestion in again:
                entry = by_ref.get(suggestion.origin.ref) if suggestion.origin else None
                repeat = bool(sent) and similarity(suggestion.text, sent[0].text, signature) >= REPEAT_THRESHOLD
                borrow = borrows(suggestion, post["text"], post["author"], post["intent"],
                                 entry.post if entry else None, entry.topic if entry else None)
                _count(figures, key, repeat, borrow)
                if phase == "before" and (repeat or borrow) and len(figures.examples) < 4 and not repeat:
                    figures.examples.append(f"{post['id']} [{suggestion.source}] {suggestion.text[:110]}")
    return figures


def twcs(pairs: Sequence[dict[str, str]], held: Sequence[int], kept: Sequence[int], index: HistoryIndex,
         post_vectors: np.ndarray, replies: Sequence[str], intents: Sequence[str],
         sentiments: Sequence[str | None]) -> OriginalityFigures:
    """The history suggestion for each held-out tweet; repeats against the brand's earlier replies to the author."""
    figures = OriginalityFigures()
    earlier_by_author: dict[str, list[int]] = {}
    for i in kept:
        author = pairs[i].get("customer_author", "")
        if author:
            earlier_by_author.setdefault(author, []).append(i)
    for i in held:
        pair = pairs[i]
        post = pair["customer_text"]
        asked_at = pair.get("customer_created_at", "")
        earlier = tuple(EarlierReply(replies[j]) for j in earlier_by_author.get(pair.get("customer_author", ""), [])
                        if pairs[j].get("reply_created_at", "") < asked_at)
        for phase in PHASES:
            ctx = context_for(post, "x", "", None, intents[i], "", sentiments[i], earlier=earlier,
                              guard=phase == "after")
            found = index.best(ctx, vector=post_vectors[i])
            if found is None:
                continue
            suggestion, entry = found
            key = (phase, "en")
            figures.posts[key] += 1
            repeat = any(similarity(suggestion.text, e.text) >= REPEAT_THRESHOLD for e in earlier)
            borrow = borrows(suggestion, post, "", intents[i], entry.post, entry.topic)
            _count(figures, key, repeat, borrow)
            if phase == "before" and repeat and len(figures.examples) < 4:
                figures.examples.append(f"repeat to the same customer: {suggestion.text[:110]}")
            if phase == "after" and borrow and len(figures.leftovers) < 8:
                figures.leftovers.append(f"{post[:80]} -> {suggestion.text[:110]} | {entry.post[:60]}")
    return figures


def entries_with_ids(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """``entries`` numbered (reply and post ids), so a suggestion's provenance names its entry."""
    return [replace(entry, reply_id=entry.reply_id if entry.reply_id is not None else number,
                    mention_id=entry.mention_id if entry.mention_id is not None else number)
            for number, entry in enumerate(entries, 1)]
