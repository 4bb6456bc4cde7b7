"""A small fixed data set for the manager's reports, with every figure worked out by hand.

Period 2026-11-01..2026-11-07, report run at ``REPORT_NOW`` (2026-11-08 12:00 UTC); SLA: x 1 h,
reddit 4 h, anything else 8 h. Teams: billing = anna, luca; tech = marco.

First responses in the period (agent, channel, minutes): anna x 10, anna x 30, anna reddit 50,
luca x 120, luca reddit 300, marco mastodon 20. Anna also sends a follow-up on her first mention.

- anna: 4 replies, 3 first responses, median 30 min = 0.5 h, p90 46 min = 0.8 h, SLA 3/3 = 100 %;
  2 replies from a suggestion, 1 sent with ≤10 % edited = 50 %
- luca: 2 replies, median 210 min = 3.5 h, p90 282 min = 4.7 h, SLA 0/2 = 0 %; 1 escalation, 1 reopened
- marco: 1 reply, 20 min = 0.3 h, SLA 100 %
- billing: 10, 30, 50, 120, 300 min: median 50 min = 0.8 h, p90 228 min = 3.8 h, SLA 3/5 = 60 %
- SLA by channel: x 2/3 = 66.7 %, reddit 1/2 = 50 %, mastodon 1/1 = 100 %; overall 4/6 = 66.7 %
- open complaints now: <1 h 1 (unassigned), 1-4 h 1 (anna), 4-24 h 1 (anna), >1 day 1 (unassigned);
  a replied complaint and one answered before the period do not count.
- a reply on 2026-10-30 (marco) lies in the previous period: 1 reply there.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from triage.db.reply_facts import rebuild
from triage.db.schema import AuditRow, MentionRow, ReplyRow
from triage.db.store import Store

REPORT_NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)
SLA_HOURS = {"x": 1.0, "reddit": 4.0}
TEAMS = {"billing": ("anna@lumora.example", "luca"), "tech": ("marco",)}


def _at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def _mention(n: int, channel: str, created: datetime, sentiment: str = "negative", status: str = "new",
             first_response: datetime | None = None, assignee: str | None = None, text: str = "") -> MentionRow:
    return MentionRow(channel=channel, external_id=f"m{n}", url=f"https://example.com/{n}", author_handle=f"user{n}",
                      text=text or f"complaint {n}", language="en", created_at=created, fetched_at=created,
                      sentiment=sentiment, intent="complaint", topic="billing", status=status, assignee=assignee,
                      first_response_at=first_response, updated_at=created)


def fill_report_data(store: Store) -> None:
    answered = [  # (n, channel, created, agent, minutes to the first response)
        (1, "x", _at(2, 10), "anna@lumora.example", 10), (2, "x", _at(2, 11), "anna@lumora.example", 30),
        (3, "reddit", _at(3, 9), "anna@lumora.example", 50), (4, "x", _at(3, 12), "luca", 120),
        (5, "reddit", _at(4, 8), "luca", 300), (6, "mastodon", _at(5, 10), "marco", 20),
        (0, "x", _at(30, 9, month=10), "marco", 15),  # the previous period
    ]
    with store.session() as session:
        for n, channel, created, agent, minutes in answered:
            sent = created + timedelta(minutes=minutes)
            session.add(_mention(n, channel, created, status="replied", first_response=sent, assignee=agent))
        session.add(_mention(11, "x", REPORT_NOW - timedelta(minutes=30)))
        session.add(_mention(12, "x", REPORT_NOW - timedelta(hours=2), status="in_progress",
                             assignee="anna@lumora.example"))
        session.add(_mention(13, "reddit", REPORT_NOW - timedelta(hours=10), status="in_progress",
                             assignee="anna@lumora.example"))
        session.add(_mention(14, "x", _at(6, 9)))
        session.add(_mention(15, "x", REPORT_NOW - timedelta(minutes=5), status="replied",
                             first_response=REPORT_NOW - timedelta(minutes=1)))
        session.add(_mention(16, "x", _at(6, 10), sentiment="positive"))
        session.flush()
        ids = {row.external_id: row.id for row in session.query(MentionRow)}
        for n, _channel, created, agent, minutes in answered:
            sent = created + timedelta(minutes=minutes)
            source, suggestion, distance = (("history", "0123456789", 5) if n == 2 else (None, None, None))
            session.add(ReplyRow(mention_id=ids[f"m{n}"], text=f"reply {n}", agent=agent, sent_at=sent,
                                 state="posted", posted=True, suggestion_source=source, suggestion_text=suggestion,
                                 edit_distance=distance))
        session.add(ReplyRow(mention_id=ids["m1"], text="follow-up", agent="anna@lumora.example",
                             sent_at=_at(2, 12), state="recorded", suggestion_source="faq",
                             suggestion_text="x" * 20, edit_distance=1))
        session.add(ReplyRow(mention_id=ids["m3"], text="failed", agent="anna@lumora.example", sent_at=_at(3, 11),
                             state="failed"))
        session.add(AuditRow(mention_id=ids["m4"], actor="luca", at=_at(3, 13), action="escalate",
                             from_status="in_progress", to_status="escalated"))
        session.add(AuditRow(mention_id=ids["m4"], actor="giulia", at=_at(5, 9), action="reopen",
                             from_status="replied", to_status="new"))
        session.flush()
        rebuild(session)  # the replies were written here, not by the send path: count them as it would
