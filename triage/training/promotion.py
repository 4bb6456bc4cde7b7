"""Promote or roll back a model version, as an admin, by the measured rule (``triage.models.registry``).

``promote`` refuses a version the rule rejects and says why (``force`` promotes anyway and
records that it was forced); ``rollback`` puts back the version in use before the last
promotion. A version of a set (``train from-corrections --adapter``: a new adapter and every head
on it) moves its whole set: promoting one member promotes all of them (``registry.check_set``),
rolling one back puts back what every member replaced, and the answer says so. Neither ever
leaves an intent or urgency version in use that reads another adapter than the sentiment
version in use (``registry.adapter_mismatch``; ``force`` does not override that). After
either, the open mentions are marked for re-scoring, newest models first:
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
    members = registry.set_of(task, name, root)
    if len(members) > 1:
        decision = registry.check_set(members, root)
    else:
        decision = registry.check_promotion(task, name, root)
    if not decision.promote and not force:
        return decision
    mismatch = registry.adapter_mismatch(members, root)
    if mismatch:
        return Decision(False, mismatch)
    why = decision.why if decision.promote else f"forced by {name_of(actor)} ({decision.why})"
    registry.set_promoted_together(members, name_of(actor), now or utcnow(), why, root)
    if len(members) > 1:
        why += "; the whole set moved: " + ", ".join(f"{t} {v}" for t, v in members.items())
    return Decision(True, why)


def rollback(task: str, who: Who, root: Path | None = None, now: datetime | None = None) -> str:
    """Go back to the version in use before the last promotion; its name."""
    actor = require(who, "manage_models")
    current = registry.in_use(task, root)
    members = registry.set_of(task, current, root) if current != registry.PACKAGED else {task: current}
    steps = registry.before_set(members, root) if len(members) > 1 else {}
    targets = {name: version for name, (version, _) in steps.items()}
    if task not in targets:
        earlier = registry.previous(task, root)
        if earlier is None:
            raise UsageError(f"nothing to roll back: the {task} model in use is {registry.promoted(task, root)} "
                             "and no promotion came before it")
        targets, steps = {task: earlier}, {}
    mismatch = registry.adapter_mismatch(targets, root)
    if mismatch:
        raise UsageError(f"cannot roll back {task} alone: {mismatch}")
    at = now or utcnow()
    for name, target in targets.items():
        registry.set_promoted(name, target, name_of(actor), at, f"rollback from {registry.promoted(name, root)}",
                              root, kind="rollback", undoes=steps[name][1] if name in steps else None)
    others = [f"{t} to {v}" for t, v in targets.items() if t != task]
    return targets[task] + (f" (the whole set moved back: {', '.join(others)})" if others else "")
