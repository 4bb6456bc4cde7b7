"""The detail view's team widgets: assign (leads and above) and escalate to a team or a person.

Who acts is ``current_actor()`` (the signed-in user, or the local operator); the library checks
the permission again (``require``). Names of people are chosen from ``[teams]`` where it lists
anyone; post text never reaches these widgets.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from triage.access.roles import Access, Actor, access_of
from triage.context import Context
from triage.db.schema import MentionRow
from triage.errors import ConfigError
from triage.queue.assignment import assign
from triage.queue.escalation import Escalation, escalate

Act = Callable[..., None]
NOBODY = "—"


def team_access(ctx: Context) -> Access:
    """``[roles]``/``[teams]`` of the configuration; a broken table is shown, and no teams are offered."""
    try:
        return access_of(ctx.config)
    except ConfigError as exc:
        st.warning(str(exc), icon=":material/group_off:")
        return Access({}, {})


def people(access: Access, row: MentionRow) -> list[str]:
    """Everyone ``[teams]`` names, plus the mention's holder."""
    found = {member for members in access.teams.values() for member in members}
    if row.assignee:
        found.add(row.assignee)
    return sorted(found)


def _target(access: Access, row: MentionRow, prefix: str) -> tuple[str | None, str | None]:
    """A team and a person picker; returns (person, team), None where nothing is picked."""
    left, right = st.columns(2)
    team = left.selectbox("Team", [NOBODY, *sorted(access.teams)], key=f"{prefix}-team-{row.id}")
    names = people(access, row)
    if names:
        person = right.selectbox("Person", [NOBODY, *names], key=f"{prefix}-person-{row.id}")
    else:  # no [teams]: the local single-user setup names people freely
        person = right.text_input("Person (name or e-mail)", key=f"{prefix}-person-{row.id}")
    return (person if person and person != NOBODY else None), (team if team != NOBODY else None)


def render_assign(ctx: Context, row: MentionRow, actor: Actor, act: Act, disabled: bool) -> None:
    """Assign to a person and/or a team, or back to nobody (leads and above)."""
    if not actor.can("assign"):
        return
    access = team_access(ctx)
    with st.popover("Assign", icon=":material/assignment_ind:", disabled=disabled):
        person, team = _target(access, row, "assign")
        if st.button("Assign", key=f"assign-{row.id}"):
            target = " and ".join(p for p in (person, f"team {team}" if team else None) if p) or "nobody"
            act(lambda: assign(ctx.store, row.id, actor, person, team, replacing=row.assignee, access=access),
                f"Assigned to {target}.", keep_open=row.id)


def render_escalate(ctx: Context, row: MentionRow, actor: Actor, act: Act, disabled: bool) -> None:
    """Escalate to a team or a person with a note; they are notified through [notify]."""
    access = team_access(ctx)
    with st.popover("Escalate", icon=":material/priority_high:", disabled=disabled):
        person, team = _target(access, row, "esc")
        note = st.text_input("Why?", key=f"esc-note-{row.id}")
        if st.button("Escalate", key=f"escalate-{row.id}"):
            act(lambda: _said(escalate(ctx, row.id, actor, note, person, team)), "Escalated.")


def _said(done: Escalation) -> tuple[str, str]:
    """The page's line: a warning when nobody was notified (no channel, or a channel failed)."""
    return ("warning" if done.error or not done.channels else "success", done.message)
