"""Rows in every table of a database, whatever its schema revision, built from reflection.

``fill_every_table`` reflects the database, then inserts ``per_table`` rows into every table
(parents before children): realistic values for the columns listed in ``REALISTIC``, a value
of the column's type for every other column (nullable ones included, so their values are
checked too), and for each foreign key the key of a parent row. ``read_every_table`` reads
every row back keyed by primary key, to compare before and after an upgrade or a round trip.
A new revision's tables get rows automatically; add realistic values here when a column
only takes some values (a status, a kind).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    inspect,
    select,
)

from triage.db.dump import advance_id_sequences

SKIPPED = {"alembic_version"}
WHEN = dt.datetime(2026, 11, 20, 12, 30, 15)

REALISTIC: dict[str, dict[str, Any]] = {
    "mentions": {
        "channel": "x", "url": "https://x.com/marta_rm/status/{n}", "author_handle": "marta_rm",
        "author_name": "Marta R.", "text": "internet di nuovo giù 😡 \"ancora\" {n}", "language": "it",
        "kind": "post", "raw": {"id": "{n}", "nested": {"list": [1, 2]}}, "sentiment": "negative",
        "status": "open", "assignee": "giulia", "team": "billing", "reasons": [{"reason": "negative", "weight": 3}],
        "intent": "outage", "topic": "connectivity", "tone": {"angry": 0.8}, "classified_by": "fake",
        "overrides": {"intent": "complaint", "wrong_reasons": ["time pressure"]}, "model_version": "packaged",
        "risks": "money,safety", "first_response_agent": "giulia", "outcome": "positive",
    },
    "reply_days": {"agent": "giulia", "channel": "x"},
    "replies": {"text": "Ci dispiace, scrivici in DM ^GB {n}", "agent": "giulia", "suggestion_source": "history"},
    "audit": {"actor": "giulia", "action": "claim", "from_status": "new", "to_status": "open", "note": "mine"},
    "incidents": {"key": "incident-{n}", "title": "Outage in Milano", "topic": "connectivity"},
    "sources": {"name": "x-brand-{n}", "kind": "x", "state": "ok", "cursor": "cursor-{n}"},
    "meta": {"key": "demo_loaded_at-{n}", "value": "2026-11-20T12:00:00+00:00"},
    "corrections": {"field": "intent", "old_value": "other", "new_value": "complaint", "actor": "giulia",
                    "model_version": "intent-2026-11-30", "source": "agent"},
    "audit_picks": {"day": "2026-11-20", "confirmed_by": "giulia"},
    "notifications": {"key": "escalation:{n}", "kind": "escalation", "subject": "Escalated to billing: @marta_rm",
                      "body": "internet di nuovo giù 😡 {n}", "fields": {"team": "billing"},
                      "recipients": ["anna@lumora.example"], "channels": "email,webhook", "pending": "webhook",
                      "last_error": "the webhook answered HTTP 500"},
}


def reflect(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def _tables(metadata: MetaData) -> list[Table]:
    return [table for table in metadata.sorted_tables if table.name not in SKIPPED]


def _realistic(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, dict):
        return {k: _realistic(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_realistic(v, n) for v in value]
    return value


def _allowed_values(engine: Engine, table: Table) -> dict[str, list[str]]:
    """Values a CHECK constraint ``column IN ('a', 'b')`` allows, by column (a status, a state)."""
    allowed: dict[str, list[str]] = {}
    for check in inspect(engine).get_check_constraints(table.name):
        for column, values in re.findall(r"\b(\w+)\s+IN\s*\(([^)]*)\)", check["sqltext"], re.IGNORECASE):
            if column in table.c:
                allowed[column] = re.findall(r"'([^']*)'", values)
    return allowed


def _value_of_type(column: Any, n: int) -> Any:
    kind = column.type
    if isinstance(kind, Enum) and kind.enums:
        return kind.enums[(n - 1) % len(kind.enums)]
    if isinstance(kind, Boolean):
        return n % 2 == 1
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, (Float, Numeric)):
        return 0.25 + n if isinstance(kind, Float) else Decimal(n)
    if isinstance(kind, DateTime):
        moment = WHEN + dt.timedelta(minutes=n)
        return moment.replace(tzinfo=dt.timezone.utc) if kind.timezone else moment
    if isinstance(kind, Date):
        return WHEN.date()
    if isinstance(kind, JSON):
        return {"n": n, "text": "ü"}
    if isinstance(kind, LargeBinary):
        return bytes([n])
    if isinstance(kind, (String, Text)):
        length = getattr(kind, "length", None) or 64
        return f"{column.name[:length - 4]}-{n}"[-length:]
    raise AssertionError(f"no test value for {column.table.name}.{column.name} ({kind!r}); teach tests/db_rows.py")


def fill_every_table(engine: Engine, per_table: int = 2) -> dict[str, int]:
    """Insert ``per_table`` rows into every table of the database; returns the count per table."""
    metadata = reflect(engine)
    inserted: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        for table in _tables(metadata):
            allowed = _allowed_values(engine, table)
            rows = []
            for n in range(1, per_table + 1):
                row: dict[str, Any] = {}
                realistic = REALISTIC.get(table.name, {})
                for column in table.columns:
                    if column.name in allowed:
                        row[column.name] = allowed[column.name][(n - 1) % len(allowed[column.name])]
                    elif column.name in realistic:
                        row[column.name] = _realistic(realistic[column.name], n)
                    else:
                        row[column.name] = _value_of_type(column, n)
                for key in table.foreign_keys:
                    parent_rows = inserted.get(key.column.table.name)
                    if parent_rows:
                        row[key.parent.name] = parent_rows[(n - 1) % len(parent_rows)][key.column.name]
                    elif key.parent.nullable:
                        row[key.parent.name] = None
                rows.append(row)
            connection.execute(table.insert(), rows)
            inserted[table.name] = rows
        advance_id_sequences(connection, _tables(metadata))  # PostgreSQL: later inserts take new ids
    return {name: len(rows) for name, rows in inserted.items()}


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # SQLite drops the zone: compare as UTC
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    return value


def read_every_table(engine: Engine) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table, by table and primary key (values comparable across backends)."""
    metadata = reflect(engine)
    found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in _tables(metadata):
            key = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = {
                tuple(row[c.name] for c in key): {name: _normal(value) for name, value in row.items()}
                for row in connection.execute(select(table)).mappings()
            }
    return found


def foreign_keys(engine: Engine) -> dict[str, set[tuple[tuple[str, ...], str, tuple[str, ...], str | None]]]:
    """Each table's foreign keys: (columns, referred table, referred columns, ON DELETE)."""
    inspector = inspect(engine)
    return {
        table: {(tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                 (fk.get("options") or {}).get("ondelete", "").upper() or None)
                for fk in inspector.get_foreign_keys(table)}
        for table in inspector.get_table_names() if table not in SKIPPED
    }


def dangling_references(engine: Engine) -> list[str]:
    """Rows whose foreign key points at no row, as 'table.column=value'."""
    metadata = reflect(engine)
    dangling = []
    with engine.connect() as connection:
        for table in _tables(metadata):
            for key in table.foreign_keys:
                parent = key.column.table
                orphan = select(table.c[key.parent.name]).where(
                    table.c[key.parent.name].is_not(None),
                    ~select(parent.c[key.column.name]).where(
                        parent.c[key.column.name] == table.c[key.parent.name]).exists(),
                )
                dangling += [f"{table.name}.{key.parent.name}={value}" for value in connection.scalars(orphan)]
    return dangling
