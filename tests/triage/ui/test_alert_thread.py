"""The dashboard's alert thread: one per process and database by default, none with ``[alerts] in_dashboard = false``
(when ``python -m triage alerts`` runs as its own service)."""

from __future__ import annotations

import threading

from conftest import start_dashboard


def alert_threads() -> int:
    return sum(thread.name == "ascolto-alerts" for thread in threading.enumerate())


def test_by_default_the_dashboard_starts_one_alert_thread(monkeypatch, demo_db_url, tmp_path):
    config = tmp_path / "triage.toml"
    config.write_text("[alerts]\nsla = true\n", encoding="utf-8")
    before = alert_threads()
    at = start_dashboard(monkeypatch, demo_db_url, TRIAGE_CONFIG=str(config))
    assert alert_threads() == before + 1
    at.run()  # another page run of the same dashboard: still the one thread
    assert alert_threads() == before + 1


def test_with_in_dashboard_false_the_dashboard_starts_none(monkeypatch, demo_db_url, tmp_path):
    config = tmp_path / "triage.toml"
    config.write_text("[alerts]\nin_dashboard = false\n", encoding="utf-8")
    before = alert_threads()
    start_dashboard(monkeypatch, demo_db_url, TRIAGE_CONFIG=str(config))
    assert alert_threads() == before
