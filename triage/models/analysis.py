"""Every output the triage needs of a post, from one encoder pass: ``analyse(texts)``.

Sentiment, anger and offensive come from the tuned half of the shared pass
(``triage.models.shared_pass``); intent, topic, the risk head and the reply-history
embedding come from the half the intent heads were trained on: the tuned one for current
intent cards (one pass of six layers for everything), the plain one for older cards (the
shared lower layers, then both top stacks). The named risks are the risk head's joined
with the keyword signals' (``triage.models.risks``); the learned urgency (``triage.models.urgency``)
reads the same embeddings as the intent heads. Models that do not share the packaged
encoder (a Hub sentiment model, test fakes) are asked one after the other, without embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from triage.errors import ModelUnavailable
from triage.models.intent import EncoderIntentModel, IntentModel, IntentResult, load_intent_model
from triage.models.risks import combined_risks
from triage.models.sentiment import EncoderHeadModel, SentimentModel, length_buckets, load_sentiment_model
from triage.models.urgency import UrgencyHead, load_urgency_head
from triage.records import SentimentScores
from triage.text.normalize import normalize

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Analysis:
    """What the models say about one post."""

    sentiment: SentimentScores  # with p_anger and p_offensive when the model has those heads
    intent: IntentResult  # the model's intent and topic (the final decision is triage.ranking.intent's)
    embedding: Any = None  # the history encoder's unit vector (reply history); None without a shared pass
    risks: tuple[str, ...] = ()  # named risks: the risk head's ∪ the keyword signals' (triage.models.risks.RISKS)
    p_urgent: float | None = None  # the learned urgency head's probability (triage.models.urgency); None: no head


def _unwrapped(model: Any, kind: type) -> Any:
    """``model``, or the model a lazy wrapper (``triage.context.LazyModel``) holds, if it is of ``kind``."""
    if isinstance(model, kind):
        return model
    inner = getattr(model, "model", None)
    return inner if isinstance(inner, kind) else None


def shared_models(sentiment_model: Any, intent_model: Any) -> tuple[EncoderHeadModel, EncoderIntentModel] | None:
    """The two packaged models when they can share one pass (same encoder, same token limit), else ``None``."""
    sentiment = _unwrapped(sentiment_model, EncoderHeadModel)
    intent = _unwrapped(intent_model, EncoderIntentModel)
    if sentiment is None or intent is None:
        return None
    ours, theirs = sentiment.encoder.shared, intent.encoder.shared
    if intent.encoder.tuned:  # the intent heads read the tuned half: it must be this very pass
        return (sentiment, intent) if ours is theirs else None
    if (ours.path, ours.max_length, ours.int8_design) != (theirs.path, theirs.max_length, theirs.int8_design):
        return None
    return sentiment, intent


def _urgency_head(intent: EncoderIntentModel) -> UrgencyHead | None:
    """The urgency head in use when it reads the embeddings the intent heads read (same half, same adapter)."""
    try:
        head = load_urgency_head()
    except ModelUnavailable:
        return None
    if head is None or head.dim != intent.encoder.dim:
        return None
    return head if head.reads(intent.encoder.adapter if intent.encoder.tuned else None) else None


def analyse(
    texts: Sequence[str],
    sentiment_model: SentimentModel | None = None,
    intent_model: IntentModel | None = None,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> list[Analysis]:
    """Sentiment, anger, offensive, intent, topic, risks and the history embedding of each text, in input order.

    The models default to the configured ones; texts run in length-bucketed batches.
    """
    sentiment_model = sentiment_model or load_sentiment_model()
    intent_model = intent_model or load_intent_model()
    pair = shared_models(sentiment_model, intent_model)
    if pair is None:
        scores = sentiment_model.predict(texts, batch_size=batch_size, progress=progress)
        intents = intent_model.predict(texts, batch_size=batch_size)
        return [Analysis(s, i, None, combined_risks(t, i.risks)) for t, s, i in zip(texts, scores, intents)]
    sentiment, intent = pair
    shared = sentiment.encoder.shared
    urgency = _urgency_head(intent)
    cleaned = [normalize(t) for t in texts]
    results: list[Analysis | None] = [None] * len(texts)
    done = 0
    for batch in length_buckets(cleaned, batch_size):
        batch_texts = [cleaned[i] for i in batch]
        if intent.encoder.tuned:  # one stack of top layers serves every output
            tuned = other = shared.embed_half(batch_texts, tuned=True)
        else:
            tuned, other = shared.embed_pair(batch_texts)
        vectors = other.numpy()
        originals = [texts[i] for i in batch]
        scores = sentiment.scores(tuned, batch_texts)
        urgent = urgency.probabilities(other, originals) if urgency is not None else [None] * len(batch)
        for k, (index, s, r) in enumerate(zip(batch, scores, intent.results(other, originals))):
            results[index] = Analysis(s, r, vectors[k], combined_risks(originals[k], r.risks), urgent[k])
        done += len(batch)
        if progress:
            progress(done, len(texts))
    return [r for r in results if r is not None]
