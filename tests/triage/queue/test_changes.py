"""The line a stale page shows: who changed the mention since it was drawn, and when."""

from datetime import timedelta

from conftest import make_mention
from triage.queue import workflow
from triage.queue.assignment import assign
from triage.queue.changes import ago, changes_since


def test_others_changes_are_named_newest_first(store, now):
    [mention_id] = store.upsert_mentions([make_mention("1")]).inserted
    drawn = now - timedelta(minutes=5)
    workflow.claim(store, mention_id, "giulia", now=now - timedelta(minutes=2))
    workflow.reply(store, mention_id, "giulia", "Sorry! DM us", now=now - timedelta(seconds=40))
    assert changes_since(store, mention_id, drawn, me="tom", now=now) == \
        "giulia replied 40 s ago; giulia claimed it 2 min ago"
    assert changes_since(store, mention_id, drawn, me="giulia", now=now) == ""  # my own clicks are no news
    assert changes_since(store, mention_id, now, me="tom", now=now) == ""


def test_an_assignment_says_to_whom(store, now):
    [mention_id] = store.upsert_mentions([make_mention("1")]).inserted
    assign(store, mention_id, "marco@lumora.example", to_team="billing", now=now - timedelta(hours=3))
    assert changes_since(store, mention_id, now - timedelta(days=1), now=now) == \
        "marco@lumora.example assigned it to team billing 3 h ago"


def test_ages_read_like_a_person_would_say_them(now):
    assert [ago(now - timedelta(seconds=s), now) for s in (2, 40, 150, 3 * 3600, 3 * 86400)] == \
        ["just now", "40 s ago", "2 min ago", "3 h ago", "3 days ago"]
