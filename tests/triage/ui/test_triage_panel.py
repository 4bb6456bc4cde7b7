"""The queue's intent, incident and spam widgets and the Trends spike line, through AppTest on the demo."""

from __future__ import annotations

import pytest

from conftest import open_mention, start_dashboard
from triage.db.store import QueueFilter, open_store
from triage.ranking.incidents import members, summaries
from triage.ranking.intent import effective_intent
from triage.records import OPEN_STATUSES
from triage.text.language import detect_language


@pytest.fixture
def app(demo_db_url, monkeypatch):
    return start_dashboard(monkeypatch, demo_db_url)


def queue_table(at):
    return next(df.value for df in at.dataframe if "incident" in df.value.columns)


def test_the_queue_shows_intent_top_reason_and_each_incident_once(app, demo_db_url):
    store = open_store(demo_db_url)
    table = queue_table(app)
    assert {"complaint", "question"} <= set(table["intent"])
    incident_lines = table[table["incident"] != ""]
    assert len(incident_lines) >= 1
    open_rows = store.queue(QueueFilter(statuses=list(OPEN_STATUSES)))
    info = summaries(store, [r.incident_id for r in open_rows])
    biggest = max(info.values(), key=lambda s: s.size)
    assert f"{biggest.size} posts" in " ".join(incident_lines["incident"])
    assert incident_lines["incident"].str.contains("in last hour").all()
    from collections import Counter

    repeats = sum(n - 1 for n in Counter(r.incident_id for r in open_rows if r.incident_id).values())
    assert len(table) == len(open_rows) - repeats  # each incident's open members make one line


@pytest.mark.model
def test_answer_the_group_replies_to_every_open_member(app, demo_db_url):
    store = open_store(demo_db_url)
    incident_id = max(summaries(store, [r.incident_id for r in store.mentions()]).items(),
                      key=lambda kv: kv[1].open)[0]
    open_members = [m for m in members(store, incident_id) if m.status in ("new", "in_progress", "escalated")]
    at = open_mention(app, open_members[0].id)
    assert any(e.label.startswith("Incident:") for e in at.expander)
    at.checkbox(key=f"group-confirm-{incident_id}").check().run()  # a draft per language: confirmed, then sent
    at.button(key=f"group-{incident_id}").click().run()
    assert not at.exception, at.exception
    for member in open_members:
        replies = store.replies_for([member.id])[member.id]
        if member.language in ("en", "it"):  # each post answered in its own language
            assert detect_language(replies[-1].text) == member.language
        assert store.get(member.id).status == "replied"
        assert store.audit_for(member.id)[-1].actor == "giulia"


def test_not_spam_brings_a_mention_back_with_an_audit_row(app, demo_db_url):
    store = open_store(demo_db_url)
    spam = next(r for r in store.mentions() if effective_intent(r) == "spam" and r.status == "new")
    assert spam.priority == 0
    at = open_mention(app, spam.id)
    assert any(t.value.startswith("Intent: spam") for t in at.text)
    at.button(key=f"notspam-{spam.id}").click().run()
    assert not at.exception, at.exception
    back = store.get(spam.id)
    assert back.not_spam and back.intent != "spam"
    assert store.audit_for(spam.id)[-1].action == "not_spam"


def test_trends_flags_negative_spikes_as_plain_text(app):
    app.switch_page("triage/ui/trends_page.py").run()
    assert not app.exception, app.exception
    lines = [c.value for c in app.caption] + [w.value for w in app.warning]
    assert any(line.startswith(("Spike:", "No spike:")) and "negative mentions in the last 24 h" in line
               for line in lines)
