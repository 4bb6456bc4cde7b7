"""A consistent copy of the whole database, taken while the app keeps running.

SQLite: SQLite's online backup API copies every page from one read snapshot (WAL mode lets
writers go on meanwhile), into a new file that is itself a database ``--db`` can open.
PostgreSQL: ``pg_dump`` does the same job; when it is on PATH it is run with the URL's parts
(the password through ``PGPASSWORD``, never on the command line), otherwise the error names
the command to run. The schema is never upgraded here: back up first, then upgrade.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from triage.db.store import create_db_engine, resolve_url
from triage.errors import BackupError

PG_DUMP_COMMAND = "pg_dump --format=custom --file FILE postgresql://USER@HOST:PORT/DBNAME"


@dataclass(frozen=True)
class Backup:
    """Where the copy went and how it was made."""

    output: Path
    method: str  # "sqlite backup" or "pg_dump"
    size: int


def backup(output: Path, url: str | None = None) -> Backup:
    """Copy the database at ``url`` (see ``resolve_url``) to the new file ``output``."""
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if output.exists():
        raise BackupError(f"{output} already exists; choose a new file name for the backup")
    if not output.parent.is_dir():
        raise BackupError(f"folder {output.parent} does not exist; create it or choose another --output")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_backup(resolved, parsed, output)
    if parsed.get_backend_name() == "postgresql":
        return _pg_dump(parsed, output)
    raise BackupError(f"backup knows SQLite and PostgreSQL, not {parsed.get_backend_name()}; "
                      "use your database's own backup tool")


def _sqlite_backup(url: str, parsed: URL, output: Path) -> Backup:
    if parsed.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up; pass the file's URL with --db")
    if not Path(parsed.database).is_file():
        raise BackupError(f"no database at {parsed.database}; check --db or TRIAGE_DB_URL")
    engine = create_db_engine(url)
    try:
        source = engine.raw_connection()
        try:
            target = sqlite3.connect(output)
            try:
                source.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        output.unlink(missing_ok=True)
        raise BackupError(f"backup of {parsed.database} failed: {exc}; check free disk space and retry") from None
    finally:
        engine.dispose()
    return Backup(output, "sqlite backup", output.stat().st_size)


def _pg_dump(parsed: URL, output: Path) -> Backup:
    shown = f"postgresql://{parsed.username or 'USER'}@{parsed.host or 'localhost'}:{parsed.port or 5432}/" \
            f"{parsed.database or 'DBNAME'}"
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(f"PostgreSQL is backed up with pg_dump, which is not on PATH: install the PostgreSQL "
                          f"client and run pg_dump --format=custom --file {output} {shown} (README: Backup)")
    arguments = [program, "--format=custom", "--no-password", f"--file={output}",
                 f"--dbname={parsed.database or ''}"]
    if parsed.host:
        arguments.append(f"--host={parsed.host}")
    if parsed.port:
        arguments.append(f"--port={parsed.port}")
    if parsed.username:
        arguments.append(f"--username={parsed.username}")
    environment = {**os.environ}
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if isinstance(parsed.query.get(option), str):
            environment[variable] = str(parsed.query[option])
    finished = subprocess.run(arguments, env=environment, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        output.unlink(missing_ok=True)
        reason = (finished.stderr.strip().splitlines() or ["no message"])[0].removeprefix("pg_dump: error: ")
        raise BackupError(f"pg_dump of {shown} failed: {reason}; run it by hand: "
                          f"pg_dump --format=custom --file {output} {shown}")
    return Backup(output, "pg_dump", output.stat().st_size)
