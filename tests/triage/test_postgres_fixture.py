"""The PostgreSQL fixtures give each test a working, empty, isolated database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from postgres import PostgresServer


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_fresh_postgres_15_database(
    run: int, postgres_server: PostgresServer, postgres_url: str
) -> None:
    url = make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("127.0.0.1", postgres_server.port)

    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("select version()")).scalar_one().startswith("PostgreSQL 15")
            assert conn.execute(text("select current_database()")).scalar_one() == url.database
            # Empty: no user tables, so the same CREATE TABLE works in every run (isolation).
            assert conn.execute(text(
                "select count(*) from information_schema.tables where table_schema = 'public'"
            )).scalar_one() == 0
            conn.execute(text("create table probe (id serial primary key, run int not null)"))
            conn.execute(text("insert into probe (run) values (:run)"), {"run": run})
        with engine.connect() as conn:
            assert conn.execute(text("select run from probe")).scalars().all() == [run]
            # Databases of earlier tests were dropped: only this test's database remains.
            names = conn.execute(text(
                "select datname from pg_database where datname like 'triage_test_%'"
            )).scalars().all()
            assert names == [url.database]
    finally:
        engine.dispose()
