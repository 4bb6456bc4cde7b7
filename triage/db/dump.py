"""Every table, every row, as JSON lines: ``export --all`` writes it, ``import --all`` reads it back.

Each line is one object ``{"table": NAME, "row": {COLUMN: VALUE}}``: datetimes in ISO 8601
(UTC, with the zone), JSON columns as JSON, ids as stored. The first line is the schema
revision (table ``alembic_version``); tables follow parents first, so foreign keys always
point at a row already read. Import keeps every id and foreign key: into an empty database,
or again into the same one (rows already there are skipped, never doubled). A row whose id
is taken by a different row is refused, and the whole import with it (one transaction).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    Table,
    TypeDecorator,
    and_,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from triage.db.schema import Base
from triage.db.upgrade import MIGRATIONS_DIR, current_revision
from triage.errors import BackupError

VERSION_TABLE = "alembic_version"
_BATCH = 400


@dataclass
class DumpCounts:
    """Rows per table: written by an export; inserted and already there for an import."""

    written: dict[str, int] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)
    already_there: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.written.values()) or sum(self.inserted.values()) + sum(self.already_there.values())


def _tables(engine: Engine) -> list[Table]:
    """The database's tables, parents first: the schema's own definitions, reflection for any other."""
    present = set(inspect(engine).get_table_names()) - {VERSION_TABLE}
    known = [table for table in Base.metadata.sorted_tables if table.name in present]
    others = sorted(present - {table.name for table in known})
    if not others:
        return known
    reflected = MetaData()
    reflected.reflect(engine, only=others)
    return known + [reflected.tables[name] for name in others]


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise BackupError("a binary column cannot be exported as JSON lines; use python -m triage backup")
    return value


def _kind(column: Any) -> Any:
    """The column's SQL type, seen through a ``TypeDecorator`` (e.g. the schema's UTCDateTime)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _from_json(column: Any, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    kind = _kind(column)
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal(value)
    return value


def export_all(engine: Engine, output: Path) -> DumpCounts:
    """Write every row of every table to ``output`` (JSON lines); returns the rows per table."""
    counts = DumpCounts()
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as handle, engine.connect() as connection:
            _write(handle, VERSION_TABLE, {"version_num": current_revision(connection)})
            for table in _tables(engine):
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execution_options(yield_per=1000).execute(select(table).order_by(*order))
                written = 0
                for row in rows.mappings():
                    _write(handle, table.name, {name: _json_value(value) for name, value in row.items()})
                    written += 1
                counts.written[table.name] = written
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write {output}: {exc.strerror or exc}; choose another --output") from None
    return counts


def _write(handle: IO[str], table: str, row: dict[str, Any]) -> None:
    handle.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")


def _lines(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BackupError(f"{path}: {exc.strerror or exc}; pass a file written by export --all") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                table, row = entry["table"], entry["row"]
            except (ValueError, KeyError, TypeError):
                raise BackupError(f"{path}: line {number} is not a row of export --all "
                                  '({"table": ..., "row": {...}}); pass a file written by export --all') from None
            if not isinstance(table, str) or not isinstance(row, dict):
                raise BackupError(f"{path}: line {number} is not a row of export --all; "
                                  "pass a file written by export --all")
            yield number, table, row


def _check_revision(path: Path, revision: Any, connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(config)
    try:
        known = revision is None or scripts.get_revision(str(revision)) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(f"{path} was exported at schema revision {revision}, which this Ascolto does not know "
                          f"(the database is at {current_revision(connection)}); upgrade Ascolto, then import")


def import_all(engine: Engine, path: Path) -> DumpCounts:
    """Insert every row of an ``export --all`` file, keeping ids; rows already stored are skipped.

    One transaction: on any refusal (``BackupError``) nothing is imported.
    """
    tables = {table.name: table for table in _tables(engine)}
    counts = DumpCounts()
    batch: list[dict[str, Any]] = []
    current: Table | None = None
    first = True
    try:
        with engine.begin() as connection:
            for number, name, row in _lines(path):
                if first and name == VERSION_TABLE:
                    _check_revision(path, row.get("version_num"), connection)
                    first = False
                    continue
                first = False
                table = tables.get(name)
                if table is None:
                    raise BackupError(f"{path}: line {number}: this database has no table {name!r}; "
                                      "upgrade Ascolto to the version that exported it, then import")
                unknown = set(row) - set(table.columns.keys())
                if unknown:
                    raise BackupError(f"{path}: line {number}: table {name} has no column "
                                      f"{', '.join(sorted(unknown))}; upgrade Ascolto, then import")
                if table is not current or len(batch) >= _BATCH:
                    if current is not None:
                        _insert(connection, current, batch, counts, path)
                    current, batch = table, []
                batch.append({key: _from_json(table.c[key], value) for key, value in row.items()})
            if current is not None:
                _insert(connection, current, batch, counts, path)
            advance_id_sequences(connection, tables.values())
    except (SQLAlchemyError, ValueError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise BackupError(f"{path}: import stopped, nothing was imported: {reason}") from None
    return counts


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]], counts: DumpCounts,
            path: Path) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    key = list(table.primary_key.columns)
    inserted: set[tuple[Any, ...]] = set()
    for group in _by_columns(table, rows).values():
        statement = dialect.insert(table).on_conflict_do_nothing().returning(*key)
        inserted |= {tuple(found) for found in connection.execute(statement, group)}
    skipped = [row for row in rows if tuple(row.get(c.name) for c in key) not in inserted]
    _refuse_different(connection, table, skipped, path)
    counts.inserted[table.name] = counts.inserted.get(table.name, 0) + len(rows) - len(skipped)
    counts.already_there[table.name] = counts.already_there.get(table.name, 0) + len(skipped)


def _by_columns(table: Table, rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Rows grouped by the columns they set: a JSON column's None is left out, so it is stored as SQL NULL."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        kept = {name: value for name, value in row.items()
                if value is not None or not isinstance(_kind(table.c[name]), JSON)}
        groups.setdefault(tuple(sorted(kept)), []).append(kept)
    return groups


def _refuse_different(connection: Connection, table: Table, rows: list[dict[str, Any]], path: Path) -> None:
    """Rows the insert skipped must be stored already, exactly as in the file."""
    key = list(table.primary_key.columns)
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start:start + _BATCH]
        match = or_(*(and_(*(c == row.get(c.name) for c in key)) for row in chunk))
        stored = {tuple(found[c.name] for c in key): found for found in
                  connection.execute(select(table).where(match)).mappings()}
        for row in chunk:
            ident = tuple(row.get(c.name) for c in key)
            there = stored.get(ident)
            if there is None or any(_same(there[name], value) is False for name, value in row.items()):
                what = "another row with the same unique values" if there is None else "a different row"
                raise BackupError(
                    f"{path}: {table.name} {', '.join(map(str, ident))} conflicts with {what} in this database; "
                    "import --all goes into an empty database or the one it was exported from (nothing imported)")


def _same(stored: Any, value: Any) -> bool:
    if isinstance(stored, dt.datetime) and isinstance(value, dt.datetime):
        if (stored.tzinfo is None) != (value.tzinfo is None):
            stored, value = stored.replace(tzinfo=None), value.replace(tzinfo=None)
        return stored == value
    return bool(stored == value)


def advance_id_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: ids inserted by hand do not move a table's id sequence; move it past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(_kind(key[0]), Integer):
            continue
        column = key[0]
        sequence = connection.execute(select(func.pg_get_serial_sequence(table.name, column.name))).scalar()
        if sequence:
            highest = func.max(column)
            connection.execute(select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None))))
