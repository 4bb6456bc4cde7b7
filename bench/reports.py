"""Reports benchmark: every manager's report at 10k, 100k and 1M mentions, on PostgreSQL and SQLite.

``python -m bench.reports [--sizes 10000,100000,1000000] [--backends postgresql,sqlite]``, run
from the repository root. It builds the same synthetic mentions as ``bench.scale`` (PostgreSQL
started here the same way), adds one reply per replied mention from eight agents (a third of
them started from a suggestion) and an escalation audit row per escalated mention, then prints
the yardstick of the same run and p50/p95 of each report over the last 30 days and the last
90 days: volume, team performance (per agent, per team, SLA per channel), open complaints by
age and owner, CSAT/NPS, the outcome after reply, share of voice, and the whole report (both
periods, as the files and the Trends page build it).
SQLite runs only up to ``--sqlite-max`` mentions (100k). Target (issue 15): each report ≤ 500 ms
at 1M mentions on PostgreSQL on 2 cores.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.scale import _timed, build, databases, yardstick

Log = Callable[[str], None]
AGENTS = ("anna", "luca", "marco", "giulia", "sara", "paolo", "elena", "tom")
TEAMS = {"billing": AGENTS[:3], "tech": AGENTS[3:6]}


def add_replies(url: str, seed: int = 15) -> int:
    """One reply per replied mention (sent at its first response) and an audit row per escalation, then the
    reply facts the send path keeps (``triage.db.reply_facts.rebuild``)."""
    from sqlalchemy import select

    from triage.db.reply_facts import rebuild
    from triage.db.schema import AuditRow, MentionRow, ReplyRow
    from triage.db.store import open_store

    chance = random.Random(seed)
    store = open_store(url)
    with store.session() as session:
        replied = session.execute(select(MentionRow.id, MentionRow.first_response_at, MentionRow.status)
                                  .where(MentionRow.status.in_(["replied", "escalated"]))).all()
    replies, audits = [], []
    for mention_id, first_response, status in replied:
        agent = chance.choice(AGENTS)
        if status == "escalated":
            at = first_response or datetime.now(timezone.utc) - timedelta(hours=chance.uniform(0, 300))
            audits.append({"mention_id": mention_id, "actor": agent, "at": at, "action": "escalate",
                           "from_status": "in_progress", "to_status": "escalated", "note": ""})
            continue
        suggested = chance.random() < 0.33
        replies.append({"mention_id": mention_id, "text": "Sorry about that, we are on it", "agent": agent,
                        "sent_at": first_response, "posted": True, "state": "posted",
                        "suggestion_source": "history" if suggested else None,
                        "suggestion_text": "Sorry about that, we are looking into it" if suggested else None,
                        "edit_distance": chance.randint(0, 12) if suggested else None})
    with store.session() as session:
        for rows, table in ((replies, ReplyRow.__table__), (audits, AuditRow.__table__)):
            for start in range(0, len(rows), 5000):
                session.execute(table.insert(), rows[start:start + 5000])
    _vacuum(store)
    with store.session() as session:
        rebuild(session)  # written here, not by the send path: the reply facts as it would have kept them
    _vacuum(store)
    store.dispose()
    return len(replies)


def _vacuum(store: Any) -> None:
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


def reports(url: str, now: datetime, repeat: int, log: Log) -> None:
    from triage.config.settings import parse_config
    from triage.context import Context
    from triage.db.store import open_store
    from triage.queue.manager_report import build_report, sla_settings
    from triage.queue.overview import open_complaints, volume
    from triage.queue.performance import team_performance
    from triage.queue.period import Period
    from triage.queue.satisfaction import outcomes, satisfaction
    from triage.queue.share_of_voice import share_of_voice

    store = open_store(url)
    ctx = Context(store, parse_config({"teams": {k: list(v) for k, v in TEAMS.items()}}))
    sla = sla_settings(ctx)
    log(f"  {'report':<48} {'p50 ms':>9} {'p95 ms':>9}")
    for days in (30, 90):
        period = Period(now.date() - timedelta(days=days - 1), now.date())
        calls: dict[str, Callable[[], Any]] = {
            "volume by day, sentiment, channel": lambda p=period: volume(store, p),
            "team performance (agents, teams, SLA)": lambda p=period: team_performance(store, p, sla, teams=TEAMS),
            "open complaints by age and owner": lambda: open_complaints(store, now),
            "CSAT and NPS (surveys)": lambda p=period: satisfaction(store, p),
            "outcome after reply (next message)": lambda p=period: outcomes(store, p),
            "share of voice": lambda p=period: share_of_voice(store, p),
            "whole report (this and previous period)": lambda p=period: build_report(ctx, p, now=now),
        }
        for label, call in calls.items():
            p50, p95 = _timed(call, repeat)
            log(f"  {f'last {days} days: {label}':<48} {p50 * 1000:9.1f} {p95 * 1000:9.1f}")
    store.dispose()


def run(sizes: list[int], backends: list[str], sqlite_max: int = 100_000, repeat: int = 10,
        log: Log = print, folder: Path | None = None) -> None:
    now = datetime.now(timezone.utc)
    for backend, size, url in databases(sizes, backends, sqlite_max, log, folder, "bench_reports"):
        seconds = build(url, size, now)
        replies = add_replies(url)
        log(f"{backend} {size:,} mentions, {replies:,} replies (built in {seconds:.1f} s)")
        yardstick(url, log)
        reports(url, now, repeat, log)

def main() -> None:
    parser = argparse.ArgumentParser(description="The manager's reports at scale")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated mention counts")
    parser.add_argument("--backends", default="postgresql,sqlite", help="postgresql, sqlite or both")
    parser.add_argument("--sqlite-max", type=int, default=100_000, help="largest size run on SQLite")
    parser.add_argument("--repeat", type=int, default=10, help="runs of each report for p50/p95")
    args = parser.parse_args()
    run([int(s) for s in args.sizes.split(",") if s.strip()], [b.strip() for b in args.backends.split(",")],
        args.sqlite_max, args.repeat)


if __name__ == "__main__":
    main()
