"""Assigning mentions to people and teams, and the "Mine", "Unassigned" and "Team …" views of the queue.

Anyone who works the queue may take a mention for themselves; giving one to someone else or
to a team (``[teams]`` in triage.toml), or taking it from its holder, needs the ``assign``
permission (a lead or above). Each assignment is one conditional UPDATE with its audit row
(``triage.db.assignments``): two people assigning or claiming the same mention at once never
both win.
"""

from __future__ import annotations

from datetime import datetime

from triage.access.roles import Access, Who, as_actor, require
from triage.db.assignments import Assignment, OpenCounts, assign_mention, open_counts
from triage.db.store import Holder, Store
from triage.errors import MoveRefused, WorkflowConflict
from triage.queue.workflow import ACTIONABLE, refusal
from triage.records import utcnow

VIEWS: tuple[str, ...] = ("All", "Mine", "Unassigned")
"""The queue's assignment views; each team of ``[teams]`` adds "Team <name>"."""


def _name(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def assign(
    store: Store,
    mention_id: int,
    who: Who,
    to_person: str | None = None,
    to_team: str | None = None,
    *,
    replacing: str | None = None,
    access: Access | None = None,
    now: datetime | None = None,
) -> int:
    """Give the mention to ``to_person`` and/or ``to_team`` (neither: back to nobody); returns the audit row's id.

    ``to_person`` alone keeps the mention's team. ``replacing``: the holder the caller saw, to take the
    mention from (needs ``assign``; refused if someone else holds it by now). ``access``: the
    configured teams, to refuse a team that does not exist. The status stays, except that a mention
    in progress given back to nobody is new again.
    """
    actor = as_actor(who)
    if not actor.name:
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    person, team, replacing = _name(to_person), _name(to_team), _name(replacing)
    someone_else = (person is not None and person != actor.name) or team is not None or \
        replacing not in (None, actor.name)
    require(who, "assign" if someone_else else "work_queue")
    if team is not None and access is not None:
        access.members(team)  # ConfigError naming the known teams
    target = " and ".join(p for p in (person, f"team {team}" if team else None) if p) or "nobody"
    assignment = Assignment(mention_id, actor.name, "assign", now or utcnow(), ACTIONABLE, assignee=person,
                            team=team, keep_team=person is not None and team is None, replacing=replacing,
                            note=f"to {target}")
    try:
        return assign_mention(store, assignment)
    except MoveRefused as refused:
        raise refusal(refused, actor.name) from None


def teams_of(who: Who, access: Access | None = None) -> tuple[str, ...]:
    """``who``'s teams: a signed-in actor's own, else (the local operator) those ``[teams]`` lists
    their name or address in."""
    actor = as_actor(who)
    if actor.teams or access is None:
        return actor.teams
    return access.teams_of(actor.email or actor.name)


def holder_for(view: str, who: Who, access: Access | None = None) -> Holder | None:
    """The queue filter of a view: "All" (None), "Mine" (mine, and my teams' that nobody holds),
    "Unassigned" (nobody holds it) or "Team <name>" (the team's, and those its members hold)."""
    if view == "Mine":
        return Holder(person=as_actor(who).name, teams=teams_of(who, access))
    if view == "Unassigned":
        return Holder(unassigned=True)
    if view.startswith("Team "):
        team = view.removeprefix("Team ")
        return Holder(team=team, members=access.teams.get(team, ()) if access else ())
    return None


def views(access: Access | None = None) -> list[str]:
    """The views to offer: All, Mine, Unassigned, then one per configured team."""
    return [*VIEWS, *(f"Team {team}" for team in sorted(access.teams if access else ()))]


def workload(store: Store) -> OpenCounts:
    """Open mentions per person, and unassigned open ones per team."""
    return open_counts(store)
