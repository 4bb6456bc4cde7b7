"""Migration 0004 (exactly-once replies): every row is kept, old replies get their state backfilled."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from triage.db.store import alembic_config, open_store

MENTION = ("insert into mentions (id, channel, external_id, url, author_handle, author_name, author_followers,"
           " author_verified, text, created_at, fetched_at, kind, raw, priority, reasons, status, updated_at,"
           " not_spam) values (:id, 'x', :ext, '', 'ann', '', 0, false, 'still here', '2026-01-01', '2026-01-01',"
           " 'post', '{}', 0, '[]', :status, '2026-01-01', false)")
REPLY = ("insert into replies (mention_id, text, agent, sent_at, external_id, posted, error)"
         " values (:mention, :text, 'giulia', '2026-01-01', :ext, :posted, :error)")
AUDIT = ("insert into audit (mention_id, actor, at, action, from_status, to_status, note)"
         " values (:mention, 'giulia', '2026-01-01', 'reply', 'new', 'replied', '')")


@pytest.mark.postgres
def test_upgrading_to_0004_keeps_every_reply_and_audit_row_and_backfills_their_state(db_url):
    from alembic import command

    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0003")
        connection.execute(text(MENTION), [{"id": 1, "ext": "1", "status": "replied"},
                                           {"id": 2, "ext": "2", "status": "new"}])
        connection.execute(text(REPLY), [
            {"mention": 1, "text": "posted", "ext": "r1", "posted": True, "error": None},
            {"mention": 1, "text": "by hand", "ext": None, "posted": False, "error": None},
            {"mention": 2, "text": "refused", "ext": None, "posted": False, "error": "403 no"},
        ])
        connection.execute(text(AUDIT), {"mention": 1})
    engine.dispose()

    store = open_store(db_url)
    with store.engine.connect() as connection:
        # the head: 0004 and the revisions chained after it
        assert connection.execute(text("select version_num from alembic_version")).scalar() == "0008"
        replies = connection.execute(text("select text, state, idempotency_key from replies order by id")).all()
        assert [tuple(r) for r in replies] == [("posted", "posted", None), ("by hand", "recorded", None),
                                              ("refused", "failed", None)]
        assert connection.execute(text("select count(*) from audit")).scalar() == 1
        statuses = connection.execute(text("select status, sending_by from mentions order by id")).all()
        assert [tuple(s) for s in statuses] == [("replied", None), ("new", None)]
    indexes = {i["name"]: i["unique"] for i in inspect(store.engine).get_indexes("replies")}
    assert indexes["ix_replies_idempotency_key"] in (True, 1)
    assert [r.text for r in store.replies_for([1])[1]] == ["posted", "by hand"]  # the failed one is not shown
    store.dispose()
