"""Promote or roll back a model version, as an admin, by the measured rule (``triage.models.registry``).

``promote`` refuses a version the rule rejects and says why (``force`` promotes anyway and
records that it was forced); ``rollback`` puts back the version in use before the last
promotion. After either, the open mentions are marked for re-scoring, newest models first:
``triage.ingest.reclassify`` re-scores them in the background, open mentions first.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from triage.access.roles import Who, name_of, require
from triage.errors import UsageError
from triage.models import registry
from triage.models.registry import Decision
from triage.records import utcnow


def promote(name: str, who: Who, root: Path | None = None, force: bool = False,
            now: datetime | None = None) -> Decision:
    """Make version ``name`` the one in use if the rule allows it (or ``force``); the decision either way."""
    actor = require(who, "manage_models")
    task = registry.task_of(name)
    decision = registry.check_promotion(task, name, root)
    if not decision.promote and not force:
        return decision
    why = decision.why if decision.promote else f"forced by {name_of(actor)} ({decision.why})"
    registry.set_promoted(task, name, name_of(actor), now or utcnow(), why, root)
    return Decision(True, why)


def rollback(task: str, who: Who, root: Path | None = None, now: datetime | None = None) -> str:
    """Go back to the version in use before the last promotion; its name."""
    actor = require(who, "manage_models")
    earlier = registry.previous(task, root)
    if earlier is None:
        raise UsageError(f"nothing to roll back: the {task} model in use is {registry.promoted(task, root)} and no "
                         "promotion came before it")
    registry.set_promoted(task, earlier, name_of(actor), now or utcnow(),
                          f"rollback from {registry.promoted(task, root)}", root, kind="rollback")
    return earlier
