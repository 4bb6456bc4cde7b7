"""One-click corrections in the mention detail and the bulk intent action, through AppTest on the demo."""

from __future__ import annotations

import pytest

from conftest import open_mention, start_dashboard
from triage.db import corrections as db
from triage.db.store import open_store
from triage.ranking.intent import intent_of


@pytest.fixture
def app(demo_db_url, monkeypatch):
    return start_dashboard(monkeypatch, demo_db_url)


def test_one_click_on_an_intent_saves_the_correction_and_reranks(app, demo_db_url):
    store = open_store(demo_db_url)
    praise = next(r for r in store.mentions() if intent_of(r) == "praise" and r.status == "new")
    at = open_mention(app, praise.id)
    at.pills(key=f"fix-intent-{praise.id}-praise").set_value("complaint").run()
    assert not at.exception, at.exception
    [correction] = db.corrections(store)
    assert (correction.mention_id, correction.field, correction.old_value, correction.new_value) == \
        (praise.id, "intent", praise.intent, "complaint")
    assert correction.actor == "giulia"
    after = store.get(praise.id)
    assert intent_of(after) == "complaint" and after.priority > praise.priority


def test_marking_a_reason_wrong_removes_its_points(app, demo_db_url):
    store = open_store(demo_db_url)
    row = next(r for r in store.mentions() if r.status == "new" and any(
        x["phrase"] == "time pressure" for x in (r.reasons or [])))
    at = open_mention(app, row.id)
    button = next(b for b in at.button if b.label == "Wrong: time pressure")
    button.click().run()
    assert not at.exception, at.exception
    after = store.get(row.id)
    assert "time pressure" not in {r["phrase"] for r in after.reasons}
    assert after.overrides == {"wrong_reasons": ["time pressure"]}


def test_bulk_sets_the_intent_of_the_chosen_rows(app, demo_db_url):
    store = open_store(demo_db_url)
    app.toggle(key="bulk-on").set_value(True).run()
    chosen = app.multiselect(key="bulk-ids").options[:2]
    ids = [int(label.split(" ")[0].lstrip("#")) for label in chosen]
    app.multiselect(key="bulk-ids").set_value(ids).run()
    app.selectbox(key="bulk-intent").set_value("spam").run()
    app.button(key="bulk-apply").click().run()
    assert not app.exception, app.exception
    assert {intent_of(store.get(i)) for i in ids} == {"spam"}
    assert {c.source for c in db.corrections(store)} == {"bulk"}
