"""The queue for a team, in Streamlit's AppTest: assignee, team and status columns, "Mine", the open
items per person, and the escalate/assign widgets."""

from __future__ import annotations

import pytest

from conftest import open_mention, start_dashboard
from triage.access.roles import access_of
from triage.config.settings import load_config
from triage.db.store import open_store
from triage.queue.assignment import assign

TEAM_TOML = """
[roles]
leads = ["giulia@lumora.example"]
agents = ["@lumora.example"]

[teams]
billing = ["anna@lumora.example", "luca@lumora.example"]
technical = ["tom@lumora.example"]

[queue]
refresh_seconds = 5
"""


@pytest.fixture
def team_config(tmp_path):
    path = tmp_path / "triage.toml"
    path.write_text(TEAM_TOML, encoding="utf-8")
    return path


def queue_table(at):
    return next(df.value for df in at.dataframe if "priority" in df.value.columns and "top reason" in df.value.columns)


def test_a_lead_assigns_to_a_team_and_a_member_sees_it_in_mine(monkeypatch, demo_db_url, team_config):
    store = open_store(demo_db_url)
    giulia = access_of(load_config(team_config)).actor("giulia@lumora.example")
    target, other = store.queue()[4], store.queue()[7]
    assign(store, target.id, giulia, to_team="billing")
    assign(store, other.id, giulia, to_person="tom@lumora.example")

    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_AGENT="anna@lumora.example", TRIAGE_CONFIG=str(team_config))
    table = queue_table(at)
    assert {"status", "assignee", "team"} <= set(table.columns)
    assert any("Open per person: tom@lumora.example 1" in t.value and "billing 1" in t.value for t in at.text)
    assert at.segmented_control(key="q_view").options == ["All", "Mine", "Unassigned", "Team billing",
                                                          "Team technical"]

    at.segmented_control(key="q_view").set_value("Mine").run()
    mine = queue_table(at)
    assert list(mine["team"]) == ["billing"] and list(mine["assignee"]) == [""]
    assert list(mine["text"]) == [target.text.replace("\n", " ")[:160]]

    at.segmented_control(key="q_view").set_value("Team technical").run()
    assert list(queue_table(at)["assignee"]) == ["tom@lumora.example"]


@pytest.mark.model
def test_a_lead_assigns_from_the_detail(monkeypatch, demo_db_url, team_config):
    store = open_store(demo_db_url)
    target = store.queue()[2]
    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_AGENT="giulia", TRIAGE_CONFIG=str(team_config))
    at = open_mention(at, target.id)
    at.selectbox(key=f"assign-team-{target.id}").set_value("billing")
    at.selectbox(key=f"assign-person-{target.id}").set_value("anna@lumora.example")
    at.button(key=f"assign-{target.id}").click().run()
    row = store.get(target.id)
    assert (row.assignee, row.team) == ("anna@lumora.example", "billing")
    assert any("Assigned to anna@lumora.example and team billing." in s.value for s in at.success)
    assert store.audit_for(target.id)[-1].actor == "giulia"


@pytest.mark.model
def test_escalating_from_the_detail_gives_it_to_the_team_and_says_no_channel_is_set(monkeypatch, demo_db_url,
                                                                                    team_config):
    store = open_store(demo_db_url)
    target = store.queue()[3]
    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_CONFIG=str(team_config))
    at = open_mention(at, target.id)
    at.selectbox(key=f"esc-team-{target.id}").set_value("technical")
    at.text_input(key=f"esc-note-{target.id}").set_value("router firmware bug")
    at.button(key=f"escalate-{target.id}").click().run()
    row = store.get(target.id)
    assert (row.status, row.team, row.assignee) == ("escalated", "technical", None)
    assert any("Escalated to team technical. No notification channel is configured" in w.value for w in at.warning)


@pytest.mark.model
def test_a_change_by_someone_else_is_named_and_the_draft_kept(monkeypatch, demo_db_url, team_config):
    from triage.queue import workflow

    store = open_store(demo_db_url)
    target = store.queue()[5]
    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_CONFIG=str(team_config))
    at = open_mention(at, target.id)
    at.text_area(key=f"reply-{target.id}").set_value("My own words, half written").run()
    workflow.claim(store, target.id, "marco")  # another agent, meanwhile
    at.button(key=f"replied-{target.id}").click().run()
    assert store.get(target.id).status == "in_progress"  # nothing of ours went through
    assert any("Changed since you opened it: `marco claimed it" in w.value and "Your draft is kept" in w.value
               for w in at.warning)
    assert at.text_area(key=f"reply-{target.id}").value == "My own words, half written"
    assert at.button(key=f"replied-{target.id}").disabled


@pytest.mark.model
def test_an_agent_is_not_offered_assign_but_may_escalate(monkeypatch, demo_db_url, team_config):
    from triage.access.roles import Actor

    anna = Actor("anna@lumora.example", role="agent", email="anna@lumora.example", teams=("billing",),
                 signed_in=True)
    monkeypatch.setattr("triage.ui.common.current_actor", lambda: anna)  # as sign-in will hand it over
    store = open_store(demo_db_url)
    target = store.queue()[6]
    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_AGENT="anna@lumora.example",
                         TRIAGE_CONFIG=str(team_config))
    at = open_mention(at, target.id)
    keys = {b.key for b in at.button}
    assert f"assign-{target.id}" not in keys and f"escalate-{target.id}" in keys
