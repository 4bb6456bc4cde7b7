"""Suggestions through the context: the models it has fill what the post lacks; what is missing is said."""

from __future__ import annotations

from triage.context import Context
from triage.errors import ModelUnavailable
from triage.replies.drafts import DraftRequest
from triage.replies.suggest import for_text, read_post


def unloadable():
    raise ModelUnavailable("cannot load model 'missing'; check TRIAGE_SENTIMENT_MODEL")


def test_the_contexts_models_give_sentiment_and_intent(store, fake_model, fake_intent_model):
    ctx = Context(store, sentiment=fake_model, intent=fake_intent_model)
    request, warnings = read_post(ctx, DraftRequest("lumora charged me twice, awful", "x"))
    assert (request.sentiment, request.intent, warnings) == ("negative", "complaint", [])


def test_without_models_the_text_alone_decides_and_the_warnings_say_so(store):
    ctx = Context(store, sentiment=unloadable, intent=unloadable)
    result = for_text(ctx, DraftRequest("how do I activate my esim?", "x", "Sam"))
    assert result.warnings == [
        "no sentiment (cannot load model 'missing'; check TRIAGE_SENTIMENT_MODEL); intent and intensity use the "
        "text alone",
        "no intent model (cannot load model 'missing'; check TRIAGE_SENTIMENT_MODEL); guessing the intent from the "
        "text",
    ]
    assert result.intent == "question" and result.suggestions
