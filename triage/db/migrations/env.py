"""Alembic environment: runs on the connection that ``triage.db.store`` hands over.

``triage.db.store.open_store`` upgrades every database to the newest revision when it
opens it (``triage.db.upgrade.upgrade_schema``: on SQLite with foreign keys off, see there),
so users never run Alembic by hand. To write a new revision after changing
``triage/db/schema.py``: ``python -m triage.db.migrations.autogen "what changed"``.
"""

from alembic import context

from triage.db.schema import Base
from triage.db.upgrade import sqlite_foreign_keys_on

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    if connection.dialect.name == "sqlite" and sqlite_foreign_keys_on(connection):
        # A table rebuild (batch_alter_table) would cascade-delete every row pointing at it.
        raise RuntimeError("SQLite migrations must run with PRAGMA foreign_keys=OFF: "
                           "use triage.db.upgrade.upgrade_schema")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; open the database with triage.db.store")
run_migrations_online()
