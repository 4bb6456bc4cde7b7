"""Upgrading a database's schema to the newest Alembic revision without losing a row.

SQLite cannot alter most of a table in place, so a migration rebuilds it (``batch_alter_table``:
create a copy, copy the rows, drop the old table, rename the copy). With foreign keys on,
dropping the old table cascades into every table that points at it: the upgrade to 0002 once
deleted every reply and audit row that way. So on SQLite the migrations run on a connection
with ``PRAGMA foreign_keys=OFF`` (set before the transaction begins: inside one it is a no-op),
in one transaction; before committing, ``PRAGMA foreign_key_check`` must find no row orphaned
by the migrations, otherwise everything is rolled back and the database stays as it was.
``migrations/env.py`` refuses to run on a SQLite connection with foreign keys on, so no other
path can repeat the cascade. PostgreSQL alters tables in place and runs DDL in transactions.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from triage.errors import DatabaseUnavailable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection, script_location: Path = MIGRATIONS_DIR) -> Config:
    """An Alembic config that runs the project's migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The database's schema revision (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    """The newest revision the code knows."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, f"no migrations in {script_location}"
    return head


def upgrade_schema(engine: Engine, target: str = "head", script_location: Path = MIGRATIONS_DIR) -> None:
    """Bring the database to revision ``target`` (default: the newest); every row is kept.

    Raises ``DatabaseUnavailable`` (and changes nothing) when, on SQLite, the migrations would
    leave a row pointing at a row that no longer exists.
    """
    if engine.dialect.name == "sqlite":
        _upgrade_sqlite(engine, target, script_location)
        return
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection, script_location), target)


def _orphans(connection: Connection) -> Counter[tuple[str, str]]:
    """Rows whose foreign key points nowhere, counted by (table, referenced table)."""
    return Counter((str(row[0]), str(row[2])) for row in connection.exec_driver_sql("PRAGMA foreign_key_check"))


def _upgrade_sqlite(engine: Engine, target: str, script_location: Path) -> None:
    with engine.connect() as connection:
        if target == "head" and current_revision(connection) == head_revision(script_location):
            return  # the usual case: nothing to run, no write lock taken
        connection.commit()  # end SQLAlchemy's implicit transaction: the PRAGMA below needs none open
        # The driver must not open transactions on its own: the PRAGMA has to run outside one.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # the driver's own transaction, so DDL rolls back too
                before = _orphans(connection)
                command.upgrade(alembic_config(connection, script_location), target)
                _refuse_new_orphans(before, _orphans(connection), engine)
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _refuse_new_orphans(before: Counter[tuple[str, str]], after: Counter[tuple[str, str]], engine: Engine) -> None:
    new = after - before
    if not new:
        return
    what = ", ".join(f"{count} in {table} (pointing at {parent})" for (table, parent), count in sorted(new.items()))
    where = engine.url.render_as_string(hide_password=True)
    raise DatabaseUnavailable(
        f"upgrading {where} would orphan rows: {what}; nothing was changed. Keep running the previous "
        "Ascolto version, back up the database (python -m triage backup) and report this"
    )


def sqlite_foreign_keys_on(connection: Any) -> bool:
    """Whether a SQLite connection enforces foreign keys (``migrations/env.py`` refuses to migrate then)."""
    return bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
