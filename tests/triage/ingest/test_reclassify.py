"""After a promotion the mentions classified by other model versions are classified again, open ones first,
and a label a person set stays as they set it."""

from __future__ import annotations

from collections.abc import Sequence

from conftest import make_mention
from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.context import Context
from triage.db.schema import MentionRow
from triage.ingest.pipeline import drain_pending, store_mentions
from triage.ingest.reclassify import reclassify_outdated
from triage.ingest.worker import WorkerSettings, run_worker
from triage.models.registry import PACKAGED_LABEL, version_label
from triage.queue.corrections import correct, labels_from
from triage.queue.workflow import ignore
from triage.records import SentimentScores


class Versioned(KeywordSentimentModel):
    """The keyword fake as if loaded from the registry at ``version``, reading every post as ``says``."""

    def __init__(self, version: str, says: str = "negative") -> None:
        super().__init__()
        self.version, self.says = version, says

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress=None) -> list[SentimentScores]:
        p = {"negative": 0.0, "neutral": 0.0, "positive": 0.0, self.says: 1.0}
        return [SentimentScores(p["negative"], p["neutral"], p["positive"]) for _ in texts]


class VersionedIntent(KeywordIntentModel):
    def __init__(self, version: str) -> None:
        super().__init__()
        self.version = version


def classified(store, texts, sentiment, intent):
    ids = store_mentions(store, [make_mention(f"m{i}", text, handle=f"author{i}") for i, text in
                                 enumerate(texts)]).ids
    drain_pending(store, sentiment, intent)
    return ids


def test_the_version_that_classified_each_mention_is_stored(store):
    old = Versioned("sentiment-20261130-000000"), VersionedIntent("packaged")
    [mention_id] = classified(store, ["lumora internet down again"], *old)
    assert store.get(mention_id).model_version == "sentiment-20261130-000000/packaged" == version_label(*old)


def test_mentions_classified_before_versions_were_recorded_count_as_packaged(store):
    [mention_id] = classified(store, ["lumora internet down again"], KeywordSentimentModel(), KeywordIntentModel())
    assert store.get(mention_id).model_version is None  # fakes are not from the registry
    packaged = Versioned("packaged", "negative"), VersionedIntent("packaged")
    assert version_label(*packaged) == PACKAGED_LABEL
    assert reclassify_outdated(store, *packaged) == 0


def test_after_a_promotion_open_mentions_are_classified_again_first(store, now):
    ids = classified(store, ["lumora internet down again", "lumora app broken", "lumora charged me twice"],
                     Versioned("packaged", "negative"), VersionedIntent("packaged"))
    ignore(store, ids[2], "giulia", "not for us", now=now)
    promoted = Versioned("sentiment-20261130-010000", "neutral"), VersionedIntent("packaged")
    assert reclassify_outdated(store, *promoted, batch_size=1, limit=2) == 2
    rows = {i: store.get(i) for i in ids}
    assert [rows[i].sentiment for i in ids] == ["neutral", "neutral", "negative"]  # the closed one waits
    assert rows[ids[0]].model_version == "sentiment-20261130-010000/packaged"
    assert reclassify_outdated(store, *promoted) == 1
    assert store.get(ids[2]).sentiment == "neutral"
    assert reclassify_outdated(store, *promoted) == 0


def test_a_persons_labels_win_over_the_new_model(store, now):
    [mention_id] = classified(store, ["lumora app broken"], Versioned("packaged", "negative"),
                              VersionedIntent("packaged"))
    correct(store, mention_id, "giulia", labels_from(sentiment="positive", intent="praise"), now=now)
    promoted = Versioned("sentiment-20261130-010000", "negative"), VersionedIntent("intent-20261130-010000")
    assert reclassify_outdated(store, *promoted) == 1
    row = store.get(mention_id)
    assert (row.sentiment, row.p_positive, row.intent) == ("positive", 1.0, "praise")
    assert row.model_version == "sentiment-20261130-010000/intent-20261130-010000"


def test_the_worker_reclassifies_when_nothing_is_pending(store):
    ids = classified(store, ["lumora internet down again", "lumora app broken"], Versioned("packaged", "negative"),
                     VersionedIntent("packaged"))
    ctx = Context(store, sentiment=Versioned("sentiment-20261130-010000", "positive"),
                  intent=VersionedIntent("packaged"))
    lines = []
    run_worker(ctx, once=True, settings=WorkerSettings(batch_size=1), report=lambda r: lines.append(r.line()))
    assert lines == ["classified 0 mentions; re-classified 2 for the model version in use"]
    with store.session() as session:
        assert {session.get(MentionRow, i).sentiment for i in ids} == {"positive"}
