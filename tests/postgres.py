"""Pytest fixtures for a real, throwaway PostgreSQL server.

``postgres_server`` (session scope) runs ``initdb`` and ``pg_ctl`` from the installed
PostgreSQL server binaries in a temporary directory, listening only on 127.0.0.1.
``postgres_url`` (function scope) creates a fresh database on it for each test and
yields a SQLAlchemy URL for it (``postgresql+psycopg://...``), dropping it afterwards.

Binaries are taken from ``$TRIAGE_PG_BIN`` when set (and only from there), otherwise
from the highest version under ``/usr/lib/postgresql/*/bin/``. If none are found the
tests that use these fixtures are skipped; any other failure to start is a test error.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN_ENV = "TRIAGE_PG_BIN"
PG_SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
SKIP_MESSAGE = "PostgreSQL server binaries not found (install postgresql); PostgreSQL store tests skipped"
_START_ATTEMPTS = 3


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway PostgreSQL server."""

    host: str
    port: int
    user: str
    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    log_file: Path
    start_seconds: float

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) for database ``dbname`` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>/bin``: numeric version parts."""
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (-1,)


def find_pg_bin() -> Path | None:
    """Directory holding ``initdb`` and ``pg_ctl``, or None when there is none."""
    override = os.environ.get(PG_BIN_ENV)
    candidates = [override] if override else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True
    )
    for candidate in candidates:
        bin_dir = Path(candidate)
        if all(os.access(bin_dir / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return bin_dir
    return None


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _command_prefix() -> list[str]:
    """``runuser -u postgres --`` when running as root (PostgreSQL refuses root), else nothing."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        pytest.fail(
            f"Running as root, and PostgreSQL refuses to run as root, but there is no "
            f"'{PG_SYSTEM_USER}' system user to run it as; create it "
            f"(e.g. `useradd --system --create-home {PG_SYSTEM_USER}`)",
            pytrace=False,
        )
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.fail("Running as root but `runuser` was not found; cannot start PostgreSQL", pytrace=False)
    return [runuser, "-u", PG_SYSTEM_USER, "--"]


def _tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file, or a note that it is missing."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no server log at {path}: {exc})"


def _run(cmd: list[str], cwd: Path, what: str, log_file: Path | None = None) -> None:
    """Run a server command; fail the test session loudly (with output and log tail) on error."""
    try:
        result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        log = f"\n--- server log tail ---\n{_tail(log_file)}" if log_file else ""
        pytest.fail(f"PostgreSQL {what} timed out: {' '.join(cmd)}\n{exc.stdout or ''}{exc.stderr or ''}{log}",
                    pytrace=False)
    if result.returncode != 0:
        log = f"\n--- server log tail ---\n{_tail(log_file)}" if log_file else ""
        pytest.fail(
            f"PostgreSQL {what} failed (exit {result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}{log}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL server for the test session; stop and delete it afterwards."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip(SKIP_MESSAGE)
    prefix = _command_prefix()

    base = Path(tempfile.mkdtemp(prefix="triage-pg-", dir="/tmp"))
    os.chmod(base, 0o755)
    data_dir, socket_dir, log_file = base / "data", base / "sock", base / "server.log"
    socket_dir.mkdir(mode=0o755)
    if prefix:
        owner = pwd.getpwnam(PG_SYSTEM_USER)
        for path in (base, socket_dir):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    pg_ctl = str(bin_dir / "pg_ctl")
    started = False
    try:
        began = time.monotonic()
        _run(
            prefix + [str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", SUPERUSER,
                      "-E", "UTF8", "--locale=C", "--no-sync"],
            cwd=base, what="initdb",
        )
        port = 0
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = _free_port()
            options = (
                f"-c listen_addresses={HOST} -p {port} -k {socket_dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            cmd = prefix + [pg_ctl, "-D", str(data_dir), "-l", str(log_file), "-w", "-t", "60",
                            "-o", options, "start"]
            result = subprocess.run(cmd, cwd=base, capture_output=True, text=True, timeout=120)
            if result.returncode == 0:
                started = True
                break
            port_taken = "could not bind" in _tail(log_file, 20) or "already in use" in _tail(log_file, 20)
            if not (port_taken and attempt < _START_ATTEMPTS):
                pytest.fail(
                    f"PostgreSQL server failed to start (exit {result.returncode}): {' '.join(cmd)}\n"
                    f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}\n"
                    f"--- server log tail ({log_file}) ---\n{_tail(log_file)}",
                    pytrace=False,
                )
        server = PostgresServer(
            host=HOST, port=port, user=SUPERUSER, bin_dir=bin_dir, data_dir=data_dir,
            socket_dir=socket_dir, log_file=log_file, start_seconds=time.monotonic() - began,
        )
        yield server
    finally:
        if started:
            subprocess.run(prefix + [pg_ctl, "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                           cwd=base, capture_output=True, text=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty, uniquely named database on the session server, as a SQLAlchemy URL."""
    import psycopg
    from psycopg import sql

    dbname = f"triage_test_{uuid.uuid4().hex[:16]}"
    conninfo = {"host": postgres_server.host, "port": postgres_server.port,
                "user": postgres_server.user, "dbname": "postgres"}
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        yield postgres_server.url(dbname)
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
