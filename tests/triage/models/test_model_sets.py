"""Sets of versions on one adapter (``train from-corrections --adapter``): promoted all or none, rolled back as one,
and never an intent or urgency head in use on another adapter than the sentiment version in use."""

import hashlib
from datetime import datetime, timezone

import pytest

from triage.errors import UsageError
from triage.models import registry
from triage.models.card import ModelCard
from triage.models.registry import TEAM_CURRENT_KEY, TEAM_KEY
from triage.training.promotion import promote, rollback

WHEN = datetime(2026, 11, 30, 1, 2, 3, tzinfo=timezone.utc)
LATER = datetime(2026, 11, 30, 2, 0, 0, tzinfo=timezone.utc)
SENTIMENT_PUBLIC = {"umsab it val": {"macro_recall": 0.50}, "tweeteval val (en)": {"macro_recall": 0.71}}
INTENT_PUBLIC = {"customer posts validation intent (it)": {"macro_recall": 0.80}}
URGENCY_PUBLIC = {"customer posts validation urgency (it)": {"macro_recall": 0.75}}


def adapter(folder, weights: bytes) -> str:
    """A stand-in adapter folder (only its weights' sha256 matters here); the sha256."""
    (folder / "adapter").mkdir(parents=True)
    (folder / "adapter" / "adapter_model.safetensors").write_bytes(weights)
    return hashlib.sha256(weights).hexdigest()


def sentiment_card(folder, public, team=None, before=None) -> None:
    validation = dict(public)
    if team is not None:
        validation[TEAM_KEY], validation[TEAM_CURRENT_KEY] = {"macro_recall": team}, {"macro_recall": before}
    ModelCard(name="s", task="sentiment", validation=validation, adapter={"path": "adapter"}).save(folder)


def head_card(folder, task, public, digest) -> None:
    ModelCard(name=task[0], task=task, validation=public, encoder={"adapter_sha256": digest}).save(folder)


@pytest.fixture
def root(tmp_path):
    """Packaged sentiment, intent and urgency models on the packaged adapter."""
    packaged = tmp_path / "sentiment"
    packaged.mkdir()
    digest = adapter(packaged, b"packaged adapter")
    sentiment_card(packaged, SENTIMENT_PUBLIC)
    for task, public in (("intent", INTENT_PUBLIC), ("urgency", URGENCY_PUBLIC)):
        (tmp_path / task).mkdir()
        head_card(tmp_path / task, task, public, digest)
    return tmp_path


def a_set(root, sentiment_public, team, intent_public=INTENT_PUBLIC, at=WHEN) -> dict[str, str]:
    """A set as ``train_adapter_set`` writes it: a new adapter, the heads on it, each card naming the others."""
    folders = {task: registry.new_version_dir(task, at, root) for task in registry.TASKS}
    digest = adapter(folders["sentiment"], f"adapter of {at}".encode())
    sentiment_card(folders["sentiment"], sentiment_public, team=team, before=0.60)
    head_card(folders["intent"], "intent", intent_public, digest)
    head_card(folders["urgency"], "urgency", URGENCY_PUBLIC, digest)
    members = {task: folder.name for task, folder in folders.items()}
    for folder in folders.values():
        card = ModelCard.load(folder, "train")
        card.model_set = {**members, "adapter_sha256": digest}
        card.save(folder)
    return members


def in_use(root) -> dict[str, str]:
    return {task: registry.in_use(task, root) for task in registry.TASKS}


def test_promoting_any_member_of_a_set_moves_the_whole_set_and_says_so(root):
    members = a_set(root, SENTIMENT_PUBLIC, team=0.75)
    decision = promote(members["intent"], "ada", root, now=WHEN)
    assert decision.promote, decision.why
    assert "the whole set moved" in decision.why and members["urgency"] in decision.why
    assert in_use(root) == members
    assert registry.adapter_mismatch({}, root) is None


def test_a_set_whose_sentiment_member_is_refused_promotes_nothing_and_says_which(root):
    members = a_set(root, SENTIMENT_PUBLIC, team=0.55)  # worse than the model in use on the team's labels
    decision = promote(members["urgency"], "ada", root, now=WHEN)
    assert not decision.promote
    assert decision.why.startswith(f"sentiment member {members['sentiment']} failed: not better on the team's")
    assert in_use(root) == {"sentiment": "packaged", "intent": "packaged", "urgency": "packaged"}


def test_a_set_whose_intent_member_is_worse_on_its_validation_promotes_nothing(root):
    members = a_set(root, SENTIMENT_PUBLIC, team=0.75,
                    intent_public={"customer posts validation intent (it)": {"macro_recall": 0.70}})
    decision = registry.check_set(members, root)
    assert not decision.promote
    assert decision.why == (f"intent member {members['intent']} failed: worse on public validation: customer posts "
                            "validation intent (it) 0.700 < 0.800 - 0.01; nothing promoted, the current set is kept")


def test_rolling_back_a_set_puts_back_every_member_even_after_a_later_heads_only_intent(root):
    members = a_set(root, SENTIMENT_PUBLIC, team=0.75)
    assert promote(members["sentiment"], "ada", root, now=WHEN).promote
    # a later heads-only intent version on the set's adapter, promoted alone
    later = registry.new_version_dir("intent", LATER, root)
    head_card(later, "intent", INTENT_PUBLIC, registry.adapter_sha256("sentiment", members["sentiment"], root))
    registry.set_promoted("intent", later.name, "ada", LATER, "heads only", root)
    back = rollback("sentiment", "ada", root, now=LATER)
    assert back.startswith("packaged (the whole set moved back: intent to packaged, urgency to packaged)")
    assert in_use(root) == {"sentiment": "packaged", "intent": "packaged", "urgency": "packaged"}


def test_after_a_set_rollback_that_jumped_a_later_promotion_the_next_rollback_goes_one_further_back(root):
    packaged = registry.adapter_sha256("sentiment", "packaged", root)
    first = registry.new_version_dir("intent", WHEN, root)  # a heads-only intent before the set
    head_card(first, "intent", INTENT_PUBLIC, packaged)
    registry.set_promoted("intent", first.name, "ada", WHEN, "heads only", root)
    members = a_set(root, SENTIMENT_PUBLIC, team=0.75, at=LATER)
    assert promote(members["sentiment"], "ada", root, now=LATER).promote
    later = registry.new_version_dir("intent", LATER.replace(hour=3), root)
    head_card(later, "intent", INTENT_PUBLIC, registry.adapter_sha256("sentiment", members["sentiment"], root))
    registry.set_promoted("intent", later.name, "ada", LATER, "heads only", root)

    assert rollback("sentiment", "ada", root, now=LATER).startswith(f"packaged (the whole set moved back: intent to "
                                                                    f"{first.name}")
    assert registry.in_use("intent", root) == first.name
    assert rollback("intent", "ada", root, now=LATER) == "packaged"  # before the first one, not the first again
    with pytest.raises(UsageError, match="nothing to roll back"):
        rollback("intent", "ada", root, now=LATER)


def test_a_lone_version_on_another_adapter_is_refused_even_forced(root):
    members = a_set(root, SENTIMENT_PUBLIC, team=0.75)
    card = ModelCard.load(root / "intent" / members["intent"], "train")
    card.model_set = None  # as if the set's intent version stood alone
    card.save(root / "intent" / members["intent"])
    decision = promote(members["intent"], "ada", root, force=True, now=WHEN)
    assert not decision.promote
    assert decision.why.startswith(f"intent {members['intent']} was trained on another adapter than sentiment "
                                   "packaged")
    assert registry.in_use("intent", root) == "packaged"


def test_rolling_back_one_task_alone_onto_another_adapter_is_refused(root):
    members = a_set(root, SENTIMENT_PUBLIC, team=0.75)
    for task in ("sentiment", "intent"):  # promoted one by one, as an older release did: no set step to undo
        registry.set_promoted(task, members[task], "ada", WHEN, "by hand", root)
    with pytest.raises(UsageError, match="cannot roll back intent alone: intent packaged"):
        rollback("intent", "ada", root, now=LATER)
