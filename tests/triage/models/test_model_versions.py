"""Versioned models: list, promote by the measured rule, roll back."""

from datetime import datetime, timezone

import pytest

from triage.access.roles import Actor
from triage.errors import AccessDenied, UsageError
from triage.models import registry
from triage.models.card import ModelCard
from triage.models.registry import TEAM_CURRENT_KEY, TEAM_KEY
from triage.training.promotion import promote, rollback

WHEN = datetime(2026, 11, 30, 1, 2, 3, tzinfo=timezone.utc)
PUBLIC = {"umsab it val": {"macro_recall": 0.50}, "tweeteval val (en)": {"macro_recall": 0.71}}


def trained(root, public, team, before, at=WHEN):
    folder = registry.new_version_dir("sentiment", at, root)
    validation = dict(public)
    validation[TEAM_KEY] = {"macro_recall": team}
    validation[TEAM_CURRENT_KEY] = {"macro_recall": before}
    ModelCard(name="ascolto-sentiment", task="sentiment", validation=validation).save(folder)
    return folder.name


@pytest.fixture
def root(tmp_path):
    packaged = tmp_path / "sentiment"
    packaged.mkdir()
    ModelCard(name="ascolto-sentiment", task="sentiment", validation=PUBLIC).save(packaged)
    return tmp_path


def test_without_promotions_the_packaged_model_is_in_use(root):
    assert registry.promoted("sentiment", root) == "packaged"
    assert registry.promoted_dir("sentiment", root) == root / "sentiment"
    assert [v.name for v in registry.versions("sentiment", root)] == ["packaged"]


def test_a_version_better_on_team_labels_and_not_worse_on_public_sets_is_promoted(root):
    name = trained(root, {"umsab it val": {"macro_recall": 0.495}, "tweeteval val (en)": {"macro_recall": 0.72}},
                   team=0.78, before=0.61)
    decision = promote(name, "ada", root, now=WHEN)
    assert decision.promote and "0.610 -> 0.780" in decision.why
    assert registry.promoted("sentiment", root) == name
    assert registry.promoted_dir("sentiment", root) == root / "sentiment" / name
    assert [v.promoted for v in registry.versions("sentiment", root)] == [False, True]


def test_a_version_worse_on_a_public_set_is_kept_out_and_the_reason_given(root):
    name = trained(root, {"umsab it val": {"macro_recall": 0.47}, "tweeteval val (en)": {"macro_recall": 0.72}},
                   team=0.80, before=0.61)
    decision = promote(name, "ada", root)
    assert not decision.promote
    assert decision.why == "worse on public validation: umsab it val 0.470 < 0.500 - 0.01"
    assert registry.promoted("sentiment", root) == "packaged"


def test_a_version_no_better_on_team_labels_is_kept_out(root):
    name = trained(root, PUBLIC, team=0.60, before=0.61)
    assert promote(name, "ada", root).why.startswith("not better on the team's held-out labels (0.600 vs 0.610")


def test_force_promotes_and_says_so_and_rollback_goes_back_one_step(root):
    good = trained(root, PUBLIC, team=0.70, before=0.60)
    promote(good, "ada", root, now=WHEN)
    worse = trained(root, PUBLIC, team=0.50, before=0.70, at=WHEN.replace(hour=2))
    assert promote(worse, "ada", root, force=True).why.startswith("forced by ada")
    assert registry.promoted("sentiment", root) == worse
    assert rollback("sentiment", "ada", root) == good
    assert rollback("sentiment", "ada", root) == "packaged"  # twice: back two promotions
    with pytest.raises(UsageError, match=r"nothing to roll back"):
        rollback("sentiment", "ada", root)


def test_only_an_admin_may_promote(root):
    name = trained(root, PUBLIC, team=0.70, before=0.60)
    with pytest.raises(AccessDenied, match=r"only an admin or above may train or promote models"):
        promote(name, Actor("marco@lumora.example", role="manager", signed_in=True), root)


def test_unknown_versions_and_empty_history_are_one_line_errors(root):
    with pytest.raises(UsageError, match=r"no sentiment model version 'sentiment-2020.*versions: packaged"):
        promote("sentiment-20200101-000000", "ada", root)
    with pytest.raises(UsageError, match=r"is not a model version name"):
        promote("latest", "ada", root)
    with pytest.raises(UsageError, match=r"nothing to roll back"):
        rollback("sentiment", "ada", root)
