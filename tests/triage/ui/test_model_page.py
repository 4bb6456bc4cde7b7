"""The Model page through AppTest: the team's figures, the daily audit to confirm, the versions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import start_dashboard
from triage.db import corrections as db
from triage.db.corrections import Label
from triage.db.store import open_store
from triage.records import utcnow


class Page:
    """The dashboard opened on the Model page; ``run()`` shows it (after the test prepared the data)."""

    def __init__(self, at):
        self.at = at

    def run(self):
        self.at.switch_page("triage/ui/model_page.py").run()
        return self.at


@pytest.fixture
def page(demo_db_url, monkeypatch):
    return Page(start_dashboard(monkeypatch, demo_db_url))


def test_figures_and_confusion_matrix_come_from_the_corrections(page, demo_db_url):
    store = open_store(demo_db_url)
    for row in [r for r in store.mentions() if r.intent == "complaint"][:6]:
        db.record(store, row.id, [Label("intent", "question")], "giulia", utcnow())
    at = page.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    row = table[(table["sample"] == "corrections") & (table["field"] == "intent") & (table["slice"] == "all")]
    assert int(row["n"].iloc[0]) == 6 and float(row["accuracy"].iloc[0]) == 0.0
    assert any(e.label.startswith("Confusion matrix: intent, corrections") for e in at.expander)


def test_the_audit_pick_is_confirmed_in_one_click(page, demo_db_url):
    store = open_store(demo_db_url)
    yesterday = (utcnow() - timedelta(days=1)).date()
    at = page.run()
    assert not at.exception, at.exception
    picks = db.audit_sample(store, yesterday)
    if not picks:
        pytest.skip("the demo has no mention from yesterday")  # demo dates are relative to its load time
    at.button(key=f"audit-ok-{picks[0].mention_id}").click().run()
    assert not at.exception, at.exception
    confirmed = [p for p in db.audit_sample(store, yesterday) if p.confirmed_at is not None]
    assert [p.mention_id for p in confirmed] == [picks[0].mention_id]
    assert {c.source for c in db.corrections(store)} == {"audit"}


def test_an_admin_can_retrain_with_the_adapter_option_labelled_with_its_longer_time(demo_db_url, monkeypatch):
    from triage.training.adapter import ADAPTER_NOTE

    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_AGENT="ada@lumora.example")
    at.switch_page("triage/ui/model_page.py").run()
    assert not at.exception, at.exception
    option = at.checkbox(key="retrain-adapter")
    assert option.label == "Also fine-tune the adapter (about 7 minutes instead of about 2)"
    assert ADAPTER_NOTE in option.help and option.value is False
    assert at.button(key="retrain").label == "Retrain from the team's corrections"
