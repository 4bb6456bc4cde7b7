"""Assigning to people and teams: who may, what "Mine" shows, and one winner when two act at once."""

from __future__ import annotations

import threading

import pytest

from conftest import make_mention
from triage.access.roles import access_of
from triage.config.settings import parse_config
from triage.db.queue_view import queue_page
from triage.db.store import QueueFilter
from triage.errors import AccessDenied, ConfigError, WorkflowConflict
from triage.queue import workflow
from triage.queue.assignment import assign, holder_for, views, workload

TEAMS = parse_config({
    "roles": {"leads": ["giulia@lumora.example"], "agents": ["@lumora.example"]},
    "teams": {"billing": ["anna@lumora.example", "luca@lumora.example"], "technical": ["tom@lumora.example"]},
})
ACCESS = access_of(TEAMS)
GIULIA = ACCESS.actor("giulia@lumora.example")  # lead
ANNA = ACCESS.actor("anna@lumora.example")  # agent, billing
TOM = ACCESS.actor("tom@lumora.example")  # agent, technical


@pytest.fixture
def ids(store) -> list[int]:
    return store.upsert_mentions([make_mention(str(n), minutes_ago=10 * n) for n in range(1, 4)]).inserted


def shown(store, view: str, who) -> list[int]:
    return [row.id for row in queue_page(store, QueueFilter(holder=holder_for(view, who, ACCESS)))]


def test_a_lead_assigns_to_a_team_and_its_members_see_it_in_mine(store, ids):
    assign(store, ids[0], GIULIA, to_team="billing", access=ACCESS)
    row = store.get(ids[0])
    assert (row.assignee, row.team, row.status) == (None, "billing", "new")
    assert shown(store, "Mine", ANNA) == [ids[0]]
    assert shown(store, "Mine", TOM) == []
    assert shown(store, "Team billing", TOM) == [ids[0]]
    assign(store, ids[1], GIULIA, to_person=ANNA.name)
    assert sorted(shown(store, "Team billing", TOM)) == [ids[0], ids[1]]  # and what its members hold
    assert store.audit_for(ids[0])[-1].note == "to team billing"


def test_a_claimed_team_mention_leaves_the_others_mine(store, ids):
    assign(store, ids[0], GIULIA, to_team="billing", access=ACCESS)
    workflow.claim(store, ids[0], ANNA.name)
    assert store.get(ids[0]).team == "billing"
    assert shown(store, "Mine", ANNA) == [ids[0]]
    assert shown(store, "Mine", ACCESS.actor("luca@lumora.example")) == []
    assert ids[0] not in shown(store, "Unassigned", TOM)


def test_a_lead_assigns_to_a_person(store, ids):
    assign(store, ids[1], GIULIA, to_person=TOM.name)
    assert shown(store, "Mine", TOM) == [ids[1]]
    with pytest.raises(WorkflowConflict, match="tom@lumora.example is already working on this mention"):
        workflow.claim(store, ids[1], ANNA.name)


def test_an_agent_cannot_assign_to_someone_else(store, ids):
    with pytest.raises(AccessDenied, match="only a lead or above may assign mentions to others"):
        assign(store, ids[0], ANNA, to_person=TOM.name)
    with pytest.raises(AccessDenied):
        assign(store, ids[0], ANNA, to_team="billing")
    assert store.get(ids[0]).assignee is None and store.audit_for(ids[0]) == []


def test_an_agent_may_take_a_mention_for_themselves(store, ids):
    assign(store, ids[0], ANNA, to_person=ANNA.name)
    assert store.get(ids[0]).assignee == ANNA.name


def test_taking_a_mention_from_its_holder_needs_the_holder_the_lead_saw(store, ids):
    workflow.claim(store, ids[0], ANNA.name)
    with pytest.raises(WorkflowConflict, match="anna@lumora.example is already working"):
        assign(store, ids[0], GIULIA, to_person=TOM.name)  # did not say whom it takes it from
    assign(store, ids[0], GIULIA, to_person=TOM.name, replacing=ANNA.name)
    assert (store.get(ids[0]).assignee, store.get(ids[0]).status) == (TOM.name, "in_progress")
    with pytest.raises(WorkflowConflict, match="tom@lumora.example"):  # a stale page still shows anna
        assign(store, ids[0], GIULIA, to_person=GIULIA.name, replacing=ANNA.name)


def test_back_to_nobody_makes_a_mention_in_progress_new_again(store, ids):
    workflow.claim(store, ids[0], ANNA.name)
    assign(store, ids[0], ANNA)
    row = store.get(ids[0])
    assert (row.assignee, row.team, row.status) == (None, None, "new")


def test_an_unknown_team_names_the_known_ones(store, ids):
    with pytest.raises(ConfigError, match="no team named 'sales'.*teams: billing, technical"):
        assign(store, ids[0], GIULIA, to_team="sales", access=ACCESS)


def test_views_and_open_items_per_person(store, ids):
    assign(store, ids[0], GIULIA, to_person=TOM.name)
    assign(store, ids[1], GIULIA, to_person=TOM.name)
    assign(store, ids[2], GIULIA, to_team="billing", access=ACCESS)
    counts = workload(store)
    assert counts.people == [(TOM.name, 2)] and counts.teams == [("billing", 1)]
    assert views(ACCESS) == ["All", "Mine", "Unassigned", "Team billing", "Team technical"]
    assert shown(store, "Unassigned", TOM) == [ids[2]]


def test_concurrent_claims_and_assignments_have_one_winner(backend):
    """Eight agents claim or take the same mention at the same moment: exactly one holds it."""
    [mention_id] = backend.upsert_mentions([make_mention("race")]).inserted
    agents = [f"agent{n}@lumora.example" for n in range(8)]
    start = threading.Barrier(len(agents))
    won: list[str] = []
    refused: list[str] = []

    def take(name: str, index: int) -> None:
        start.wait()
        try:
            if index % 2:
                workflow.claim(backend, mention_id, name)
            else:
                assign(backend, mention_id, ACCESS.actor(name), to_person=name)
        except WorkflowConflict:
            refused.append(name)
        else:
            won.append(name)

    threads = [threading.Thread(target=take, args=(name, i)) for i, name in enumerate(agents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == len(agents) - 1
    assert backend.get(mention_id).assignee == won[0]
    assert [a.actor for a in backend.audit_for(mention_id)] == won
