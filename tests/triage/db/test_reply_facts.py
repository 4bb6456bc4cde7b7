"""The reply facts the reports read are kept when they happen, and equal what ``rebuild`` computes from scratch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conftest import NOW, make_mention
from triage.db.reply_facts import rebuild, response_steps
from triage.db.reporting import (
    EVERYTHING,
    MentionFilter,
    day_replies,
    day_response_minutes,
    replies_sent,
    response_minutes,
    response_sla,
)
from triage.db.schema import MentionRow, ReplyDayRow
from triage.db.transitions import Move, NewReply, Sending
from triage.records import SentimentScores

POSITIVE = SentimentScores(0.05, 0.1, 0.85)
NEGATIVE = SentimentScores(0.85, 0.1, 0.05)


def _ingest(store, external_id, hours_ago, channel="x", handle="marta_rm"):
    stored = store.upsert_mentions([make_mention(external_id, channel=channel, handle=handle,
                                                 minutes_ago=int(hours_ago * 60))])
    return stored.ids[0]


def _reply(store, mention_id, hours_ago, agent="anna", **suggestion):
    store.move(Move(mention_id, agent, "reply", "replied", ("new", "replied"), NOW - timedelta(hours=hours_ago),
                    first_response=True), NewReply("Sorry, we are on it", posted=True, **suggestion))


def _facts(store, mention_id):
    row = store.get(mention_id)
    return row.first_response_agent, row.outcome_id, row.outcome


def _days(store):
    with store.session() as session:
        return sorted(tuple(r) for r in session.execute(select(
            ReplyDayRow.day, ReplyDayRow.agent, ReplyDayRow.channel, ReplyDayRow.minutes, ReplyDayRow.sla_minutes,
            ReplyDayRow.replies, ReplyDayRow.suggested, ReplyDayRow.accepted, ReplyDayRow.first_responses)))


def _rebuilt_equals_kept(store):
    with store.session() as session:
        kept = sorted(session.execute(select(MentionRow.id, MentionRow.first_response_agent, MentionRow.outcome_id,
                                             MentionRow.outcome)).tuples())
    days = _days(store)
    with store.session() as session:
        rebuild(session)
    with store.session() as session:
        again = sorted(session.execute(select(MentionRow.id, MentionRow.first_response_agent, MentionRow.outcome_id,
                                              MentionRow.outcome)).tuples())
    assert again == kept
    assert _days(store) == days


def test_the_outcome_follows_the_customers_next_message_as_it_arrives_and_is_classified(backend):
    store = backend
    asked = _ingest(store, "a", hours_ago=120)
    _reply(store, asked, hours_ago=110)
    assert _facts(store, asked) == ("anna", None, None)  # no reply yet

    later = _ingest(store, "b", hours_ago=100)
    assert _facts(store, asked) == ("anna", later, "neutral")  # not classified yet: neutral, as the report counts it
    store.save_classifications({later: (POSITIVE, "en")}, "fake")
    assert _facts(store, asked) == ("anna", later, "positive")

    earlier = _ingest(store, "c", hours_ago=105)  # fetched late, but posted before the other one
    assert _facts(store, asked) == ("anna", earlier, "neutral")
    store.save_classifications({earlier: (NEGATIVE, "en")}, "fake")
    assert _facts(store, asked)[2] == "negative"

    _ingest(store, "d", hours_ago=106, channel="reddit")  # another channel
    _ingest(store, "e", hours_ago=107, handle="someone_else")
    assert _facts(store, asked)[1] == earlier
    _rebuilt_equals_kept(store)


def test_a_message_after_72_hours_is_no_reply_and_a_message_before_the_reply_does_not_count(backend):
    store = backend
    asked = _ingest(store, "a", hours_ago=200)
    _ingest(store, "before", hours_ago=195)
    _reply(store, asked, hours_ago=190)
    _ingest(store, "late", hours_ago=190 - 73)
    assert _facts(store, asked) == ("anna", None, None)
    _rebuilt_equals_kept(store)


def test_a_message_already_stored_when_the_reply_is_recorded_is_found(backend):
    store = backend
    asked = _ingest(store, "a", hours_ago=50)
    later = _ingest(store, "b", hours_ago=10)
    store.save_classifications({later: (POSITIVE, "en")}, "fake")
    _reply(store, asked, hours_ago=20)  # recorded after the fact
    assert _facts(store, asked) == ("anna", later, "positive")


def test_a_sent_reply_is_counted_once_when_posted_and_matches_the_replies_themselves(backend):
    store = backend
    first = _ingest(store, "a", hours_ago=30)
    _reply(store, first, hours_ago=29.5, suggestion_source="history", suggestion_text="0123456789", edit_distance=1)
    _reply(store, first, hours_ago=29, agent="luca")  # a follow-up: a reply, not a first response
    second = _ingest(store, "b", hours_ago=3, channel="reddit", handle="other")
    at = NOW - timedelta(hours=1)
    reply_id = store.take_sending(Sending(second, "luca", at, ("new",), "key-1", NewReply("On it")))
    assert _days(store) == [(NOW.date() - timedelta(days=1), "anna", "x", 30, 30, 1, 1, 1, 1),
                            (NOW.date() - timedelta(days=1), "luca", "x", -1, -1, 1, 0, 0, 0)]  # pending: not yet
    assert store.finish_sending(reply_id, "platform-1", at)
    store.finish_sending(reply_id, "platform-1", at)  # a repeat changes nothing
    assert _facts(store, second)[0] == "luca"
    assert (NOW.date(), "luca", "reddit", 120, 120, 1, 0, 0, 1) in _days(store)

    start, end = NOW - timedelta(days=3), NOW + timedelta(days=1)
    start = start.replace(hour=0, minute=0)
    sla = {"x": 1.0}
    assert sorted(day_response_minutes(store, start, end, EVERYTHING)) == sorted(
        response_minutes(store, start, end, EVERYTHING))
    within, sent = day_replies(store, start, end, EVERYTHING, sla, 4.0)
    assert sorted(within) == sorted(response_sla(store, start, end, EVERYTHING, sla, 4.0))
    assert sorted(sent) == sorted(replies_sent(store, start, end, EVERYTHING))
    reddit = MentionFilter(channels=("reddit",))
    assert day_response_minutes(store, start, end, reddit, ["LUCA"]) == [("luca", 120, 1)]
    _rebuilt_equals_kept(store)


def test_response_steps_round_like_the_report_and_up_for_the_sla():
    assert response_steps(600) == (10, 10)
    assert response_steps(89) == (1, 2)  # 1.48 minutes: shown as 1, within an SLA of 2 minutes, not of 1
    assert response_steps(3750) == (65, 63)  # 62.5 minutes: 5-minute steps after the first hour
    assert response_steps(86400) == (1440, 1440)
    assert response_steps(86401) == (1440, 1500)  # after a day, hours: within 25 h, not 24 h


def test_postgresql_reads_the_daily_volume_from_its_expression_index(postgres_url):
    from sqlalchemy import inspect

    from triage.db.store import open_store

    store = open_store(postgres_url)
    names = {index["name"] for index in inspect(store.engine).get_indexes("mentions")}
    store.dispose()
    assert {"ix_mentions_volume_day", "ix_mentions_outcome_report", "ix_mentions_competitors"} <= names
