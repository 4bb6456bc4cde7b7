"""Revision 0007: on PostgreSQL the text filter reads GIN trigram indexes; without pg_trgm the upgrade goes on."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import create_engine, make_url, select, text

from triage.db.schema import MentionRow
from triage.db.store import QueueFilter, open_store, queue_conditions
from triage.db.upgrade import current_revision, upgrade_schema

pytestmark = pytest.mark.postgres

TRIGRAM_INDEXES = {"ix_mentions_text_trgm", "ix_mentions_author_handle_trgm", "ix_mentions_author_name_trgm"}


def indexes(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'mentions'")))


def test_the_text_filter_reads_the_trigram_indexes(postgres_url):
    store = open_store(postgres_url)
    assert TRIGRAM_INDEXES <= indexes(store.engine)
    query = select(MentionRow.id).where(*queue_conditions(QueueFilter(text="router down")))
    compiled = query.compile(store.engine)
    with store.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")  # an empty table: make the planner show its index path
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
    assert all(name in plan for name in TRIGRAM_INDEXES), plan
    store.dispose()


def test_without_the_privilege_for_pg_trgm_the_upgrade_goes_on_with_a_warning(postgres_url, caplog):
    role = f"triage_plain_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:  # may log in and create tables, may not create extensions
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        connection.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    plain = create_engine(make_url(postgres_url).set(username=role, password=None))
    try:
        with caplog.at_level(logging.WARNING):
            upgrade_schema(plain)
        with plain.connect() as connection:
            assert current_revision(connection) == "0008"
        assert not TRIGRAM_INDEXES & indexes(plain)
        assert "pg_trgm could not be created" in caplog.text
    finally:
        plain.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()
