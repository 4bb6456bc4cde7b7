"""SLA and spike alerts: one per breach or spike, however often the check runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import NOW, make_mention
from triage.cli import main
from triage.config.secrets import Secrets
from triage.config.settings import parse_config
from triage.context import Context
from triage.db.notifications import notices
from triage.errors import ConfigError
from triage.queue import workflow
from triage.queue.alerts import alert_settings, check_alerts, run_alerts, spike_window
from triage.records import SentimentScores, utcnow

NOTIFY = {"smtp_host": "127.0.0.1", "smtp_security": "none", "smtp_from": "ascolto@lumora.example",
          "email_to": ["leads@lumora.example"], "webhook": True}


def complaints(store, *specs: tuple[str, str, int]) -> list[int]:
    """Store open complaints: (id, channel, minutes ago)."""
    ids = store.upsert_mentions([make_mention(i, channel=c, minutes_ago=m, text="my bill is wrong, charged twice")
                                 for i, c, m in specs]).inserted
    store.save_intents({mention_id: ("complaint", "billing") for mention_id in ids})
    return ids


def context(store, smtp_port: int, webhook_url: str) -> Context:
    return Context(store, parse_config({"notify": {**NOTIFY, "smtp_port": smtp_port}}),
                   Secrets({}, environ={"NOTIFY_WEBHOOK_URL": webhook_url}))


def test_an_sla_breach_alerts_once_across_two_cli_runs(tmp_path, capsys, monkeypatch, smtp_server, webhook_server):
    from triage.db.store import open_store

    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    store = open_store(url)
    minutes = int((utcnow() - NOW).total_seconds() // 60)  # make_mention counts back from NOW; the CLI from now
    late, on_time = complaints(store, ("late", "x", 90 - minutes), ("fresh", "x", 20 - minutes))
    (tmp_path / "triage.toml").write_text(
        "[notify]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in NOTIFY.items()).replace("True", "true")
        + f"smtp_port = {smtp_server.port}\n", encoding="utf-8")
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", webhook_server.url)

    args = ["alerts", "--once", "--config", str(tmp_path / "triage.toml"), "--db", url]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    second = capsys.readouterr().out

    assert "alert: SLA passed: @marta_rm on x waits 1.5 h (SLA 1 h)" in first
    assert first.endswith("1 new alert(s); 2 message(s) sent; 0 failed\n")
    assert second == "0 new alert(s); 0 message(s) sent; 0 failed\n"
    assert len(smtp_server.messages) == 1 and len(webhook_server.received) == 1
    assert smtp_server.messages[0]["Subject"].startswith("SLA passed: @marta_rm on x")
    assert [n.mention_id for n in notices(store, kind="sla")] == [late]
    store.dispose()


def test_each_channel_has_its_own_sla_and_answered_complaints_never_alert(store, smtp_server, webhook_server):
    now = NOW
    ids = complaints(store, ("x-late", "x", 120), ("review", "appstore", 300), ("answered", "x", 300),
                     ("file", "file:export.csv", 9 * 60))
    workflow.reply(store, ids[2], "giulia", "Sorry, on it", now=now)
    run = check_alerts(context(store, smtp_server.port, webhook_server.url), now)
    assert sorted(n.mention_id for n in notices(store, kind="sla")) == [ids[0], ids[3]]  # appstore: 24 h
    assert len(run.recorded) == 2 and run.delivery.messages == 4


def test_a_negative_spike_alerts_once_per_window(store, smtp_server, webhook_server):
    now = NOW
    ids = store.upsert_mentions([make_mention(f"s{n}", minutes_ago=n, text="worst service ever") for n in range(8)])
    store.save_classifications({i: (SentimentScores(0.9, 0.05, 0.05), "en") for i in ids.inserted}, "fake")
    ctx = context(store, smtp_server.port, webhook_server.url)
    first = check_alerts(ctx, now)
    again = check_alerts(ctx, now + timedelta(minutes=5))
    [spike] = notices(store, kind="spike")
    assert spike.key == f"spike:{spike_window(now, 24).isoformat()}"
    assert first.recorded == [spike.subject] and again.recorded == []
    assert spike.subject.startswith("Spike: 8 negative mentions in the last 24 h")
    assert len(webhook_server.received) == 1


def test_without_a_channel_nothing_is_checked(store):
    complaints(store, ("late", "x", 600))
    run = check_alerts(Context(store, parse_config({}), Secrets({}, environ={})))
    assert notices(store) == [] and "nothing checked" in run.lines()[-1]


def test_alert_settings_name_the_key_to_fix():
    assert alert_settings(parse_config({"alerts": {"max_per_run": 5}})).max_per_run == 5
    with pytest.raises(ConfigError, match=r"\[alerts\] max_per_run must be a whole number above 0"):
        alert_settings(parse_config({"alerts": {"max_per_run": 0}}))
    with pytest.raises(ConfigError, match="unknown key; known keys"):
        alert_settings(parse_config({"alerts": {"slas": True}}))



def test_the_dashboard_runs_the_alert_check_unless_told_not_to():
    assert alert_settings(parse_config({})).in_dashboard is True
    assert alert_settings(parse_config({"alerts": {"in_dashboard": False}})).in_dashboard is False
    with pytest.raises(ConfigError, match=r"\[alerts\] in_dashboard must be true or false"):
        alert_settings(parse_config({"alerts": {"in_dashboard": "no"}}))


class StopAfterSleeps:
    """A stop flag that is set after ``sleeps`` waits (a test's Ctrl-C)."""

    def __init__(self, sleeps: int) -> None:
        self.requested = False
        self.left = sleeps
        self.waited: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.left -= 1
        self.requested = self.left <= 0


def test_every_checks_again_after_each_wait_until_stopped(store, smtp_server, webhook_server):
    complaints(store, ("late", "x", 180))
    ctx = Context(store, context(store, smtp_server.port, webhook_server.url).config,
                  Secrets({}, environ={"NOTIFY_WEBHOOK_URL": webhook_server.url}), clock=lambda: NOW)
    stop, runs = StopAfterSleeps(3), []
    assert run_alerts(ctx, 60, stop, runs.append) == 3
    assert stop.waited == [60, 60, 60]
    assert [len(run.recorded) for run in runs] == [1, 0, 0]
    assert len(smtp_server.messages) == 1
