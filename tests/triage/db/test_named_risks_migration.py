"""Revision 0011: mentions.risks is added and backfilled from the keyword signals; complaints are indexed."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from triage.db.store import alembic_config, open_store

MENTION = ("insert into mentions (id, channel, external_id, url, author_handle, author_name, author_followers,"
           " author_verified, text, created_at, fetched_at, kind, raw, priority, reasons, status, updated_at,"
           " not_spam) values (:id, :channel, :ext, '', 'ann', '', 0, false, :text, '2026-01-01', '2026-01-01',"
           " 'post', '{}', 0, '[]', 'new', '2026-01-01', false)")

POSTS = [
    (1, "x", "Il caricabatterie si è surriscaldato e ha fatto scintille, ho staccato tutto", "safety"),
    (2, "x", "You charged me twice this month and I'm going to Ofcom", "money,churn_legal"),
    (3, "rss", "Scam alert: fake refund texts target customers", ""),  # news reports on risks, has none
    (4, "reddit", "Thanks to the technician who fixed my fibre today, lovely guy", ""),
]


def test_upgrading_to_0011_backfills_each_mentions_named_risks_and_indexes_the_complaints(db_url):
    from alembic import command

    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0010")
        connection.execute(text(MENTION), [{"id": i, "channel": c, "ext": str(i), "text": t} for i, c, t, _ in POSTS])
    engine.dispose()

    store = open_store(db_url)
    with store.engine.connect() as connection:
        risks = dict(connection.execute(text("select id, risks from mentions order by id")).tuples().all())
    assert risks == {i: expected for i, _, _, expected in POSTS}
    assert "ix_mentions_open_complaints" in {i["name"] for i in inspect(store.engine).get_indexes("mentions")}
    store.dispose()
