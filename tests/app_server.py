"""Start the real dashboard (``streamlit run dashboard.py``) on a free local port and wait for it.

Used by the browser tests and by ``docs/make_screenshot.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running_app(db_url: str, agent: str = "giulia", extra_env: Mapping[str, str] | None = None,
                extra_args: Sequence[str] = (), startup_timeout: float = 60.0) -> Iterator[RunningApp]:
    """Run the dashboard against ``db_url`` until the block ends; raises if it is not healthy in time.

    ``extra_args`` are more ``streamlit run`` options, e.g. ``["--client.toolbarMode", "minimal"]``.
    """
    port = free_port()
    env = dict(os.environ)
    env.update({"TRIAGE_DB_URL": db_url, "TRIAGE_AGENT": agent, "PYTHONUNBUFFERED": "1"})
    env.update(extra_env or {})
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        *extra_args,
    ]
    with tempfile.NamedTemporaryFile("wb", prefix="ascolto-streamlit-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    app = RunningApp(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + startup_timeout
        while not _healthy(app.url):
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{app.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {startup_timeout:.0f} s:\n{app.log()}")
            time.sleep(0.25)
        yield app
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)
