"""The Trends page's complaint card and charts follow the chosen period."""

from __future__ import annotations

from conftest import start_dashboard


def _card(app) -> int:
    return int(next(m for m in app.metric if m.label == "Unanswered complaints").value)


def test_the_unanswered_complaints_card_changes_with_the_period(demo_db_url, monkeypatch):
    app = start_dashboard(monkeypatch, demo_db_url)
    app.switch_page("triage/ui/trends_page.py").run()
    assert not app.exception, app.exception
    app.segmented_control(key="trends_preset").set_value("last_7_days").run()
    week = _card(app)
    app.segmented_control(key="trends_preset").set_value("last_90_days").run()
    quarter = _card(app)
    assert 0 < week < quarter  # the demo's complaints span 30 days
    headers = [h.value for h in app.subheader]
    assert "Negative, not complaints: unanswered by age" in headers
