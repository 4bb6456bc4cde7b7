"""The dashboard's logic, driven by Streamlit's AppTest against a real demo database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, open_mention, start_dashboard
from triage.db.store import QueueFilter, open_store
from triage.records import OPEN_STATUSES

HOSTILE = ("<script>", "onerror=", "![", "](javascript:", ":red[", ":material/")


@pytest.fixture
def app(demo_db_url, monkeypatch):
    return start_dashboard(monkeypatch, demo_db_url, TRIAGE_SIGNATURE="^GB")


def queue_table(at):
    return next(df.value for df in at.dataframe if "priority" in df.value.columns and "top reason" in df.value.columns)


def test_the_queue_is_ranked_by_priority(app, demo_db_url):
    table = queue_table(app)
    assert len(table) > 50
    assert list(table["priority"]) == sorted(table["priority"], reverse=True)
    assert set(table["status"]) <= {"new", "in_progress", "escalated"}
    assert (table["top reason"] != "").sum() > len(table) / 2
    assert table["age"].str.endswith("ago").all()
    assert any("demo data" in caption.value for caption in app.caption)


def shown(db_url, rows):
    """How many queue lines ``rows`` make: an incident's members show as one line."""
    from triage.ranking.incidents import collapse, summaries

    return len(collapse(rows, summaries(open_store(db_url), [r.incident_id for r in rows])))


def test_filters_filter(app, demo_db_url):
    app.multiselect(key="f_channel").set_value(["reddit"]).run()
    assert set(queue_table(app)["channel"]) == {"reddit"}
    app.multiselect(key="f_channel").set_value([]).run()
    app.multiselect(key="f_sentiment").set_value(["positive"]).run()
    assert set(queue_table(app)["sentiment"]) == {"positive"}
    app.multiselect(key="f_sentiment").set_value([]).run()
    everything = len(queue_table(app))
    app.text_input(key="f_text").set_value("LumoraDown").run()
    found = queue_table(app)
    expected = open_store(demo_db_url).queue(QueueFilter(text="LumoraDown", statuses=list(OPEN_STATUSES)))
    assert 0 < len(found) == shown(demo_db_url, expected) < everything
    assert all("lumoradown" in r.text.lower() or "lumoradown" in r.author_handle.lower() for r in expected)
    app.text_input(key="f_text").set_value("").run()
    app.multiselect(key="f_language").set_value(["it"]).run()
    italian = open_store(demo_db_url).queue(QueueFilter(languages=["it"], statuses=list(OPEN_STATUSES)))
    assert 0 < len(queue_table(app)) == shown(demo_db_url, italian) < everything
    app.multiselect(key="f_language").set_value([]).run()
    from datetime import date, timedelta
    today = date.today()
    app.date_input(key="f_dates").set_value((today - timedelta(days=1), today)).run()
    assert set(queue_table(app)["age"].str.split(" ").str[1]) <= {"min", "h"}  # nothing older than two days


@pytest.mark.model
def test_claim_then_reply_changes_the_database_and_the_audit(app, demo_db_url):
    store = open_store(demo_db_url)
    top = store.queue()[0]
    open_before = len(queue_table(app))
    at = open_mention(app, top.id)
    draft = at.text_area(key=f"reply-{top.id}").value
    assert draft.endswith("^GB")  # prefilled with a suggestion, signed
    at.button(key=f"claim-{top.id}").click().run()
    assert (store.get(top.id).status, store.get(top.id).assignee) == ("in_progress", "giulia")
    assert "Selected mention" in [h.value for h in at.subheader]  # claiming keeps the mention open
    at.text_area(key=f"reply-{top.id}").set_value(draft + " Thanks for your patience.").run()
    at.button(key=f"replied-{top.id}").click().run()
    row = store.get(top.id)
    assert row.status == "replied" and row.first_response_at is not None
    assert [a.action for a in store.audit_for(top.id)] == ["claim", "mark_replied"]
    assert store.replies_for([top.id])[top.id][-1].text.endswith("Thanks for your patience.")
    assert len(queue_table(at)) == open_before - 1  # answered: gone from the open queue
    assert "Selected mention" not in [h.value for h in at.subheader]  # and no other mention opens in its place


@pytest.mark.model
def test_ignore_needs_and_keeps_a_reason(app, demo_db_url):
    store = open_store(demo_db_url)
    target = store.queue()[3]
    at = open_mention(app, target.id)
    at.selectbox(key=f"ign-reason-{target.id}").set_value("not about us")
    at.text_input(key=f"ign-detail-{target.id}").set_value("talks about another Lumora")
    at.button(key=f"ignore-{target.id}").click().run()
    assert store.get(target.id).status == "ignored"
    assert store.audit_for(target.id)[-1].note == "not about us: talks about another Lumora"


@pytest.mark.model
def test_another_agents_claim_locks_the_actions(app, demo_db_url):
    from triage.queue import workflow

    store = open_store(demo_db_url)
    target = store.queue()[1]
    workflow.claim(store, target.id, "tom")
    at = open_mention(app, target.id)
    assert at.button(key=f"claim-{target.id}").disabled
    assert at.button(key=f"replied-{target.id}").disabled
    assert any("tom is working on this mention" in info.value for info in at.info)


def test_the_export_button_produces_the_unanswered_report(app, demo_db_url):
    from triage.queue.reports import unanswered_csv

    store = open_store(demo_db_url)
    expected = unanswered_csv(store)
    lines = expected.splitlines()
    assert lines[0].startswith("channel,url,author,text,created_at,age_hours,priority")
    assert len(lines) > 10
    buttons = [b for b in app.get("download_button")]
    assert buttons, "no download button on the queue page"
    assert "Unanswered complaints" in buttons[0].proto.label


@pytest.mark.model
def test_hostile_post_text_is_shown_literally(app, demo_db_url):
    store = open_store(demo_db_url)
    hostile = [r for r in store.mentions() if any(marker in r.text for marker in HOSTILE)]
    assert len(hostile) >= 3, "the demo data should carry hostile posts"
    for row in hostile:
        at = open_mention(app, row.id)
        assert row.text in [t.value for t in at.text], "post text must be an st.text element"
        for element in list(at.markdown) + list(at.caption) + list(at.info) + list(at.warning):
            assert row.text not in element.value, "post text must never reach Markdown"


def test_trends_page_shows_the_manager_figures(app):
    app.switch_page("triage/ui/trends_page.py").run()
    assert not app.exception, app.exception
    labels = [m.label for m in app.metric]
    assert labels == ["Mentions", "Negative share", "Median first response", "Unanswered complaints"]
    assert int(app.metric[0].value) > 300
    assert app.metric[2].value.endswith(" h")
    headers = [h.value for h in app.subheader]
    assert "Unanswered complaints by age" in headers and "Median hours to first response" in headers


def test_an_unreachable_database_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("TRIAGE_DB_URL", "postgresql+psycopg://u:pw@127.0.0.1:1/x")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("cannot open database") and "pw" not in error.value
