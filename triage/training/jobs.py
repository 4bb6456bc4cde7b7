"""Retraining as a background process the dashboard can start and watch without blocking the queue.

``start_retraining`` launches ``python -m triage train from-corrections`` in its own process
(its own session: closing the page does not stop it) with a progress file; ``job_status``
reads that file. One job at a time per models folder: a second start while one runs is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from triage.access.roles import Who, require
from triage.errors import UsageError
from triage.models.registry import models_root

JOB_FILE = "retraining.json"


@dataclass(frozen=True)
class JobStatus:
    running: bool
    done: int = 0
    total: int = 0
    message: str = ""
    started_at: str = ""
    finished: bool = False
    returncode: int | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def _job_dir(root: Path | None) -> Path:
    folder = models_root(root) / ".jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child we started is a zombie until reaped: reap it, then it is gone
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True


def job_status(root: Path | None = None) -> JobStatus | None:
    """The latest retraining job (None: never started)."""
    path = _job_dir(root) / JOB_FILE
    if not path.is_file():
        return None
    job = json.loads(path.read_text(encoding="utf-8"))
    progress_path = Path(job["progress"])
    progress = json.loads(progress_path.read_text(encoding="utf-8")) if progress_path.is_file() else {}
    running = _alive(int(job["pid"])) and not progress.get("finished")
    return JobStatus(running, int(progress.get("done", 0)), int(progress.get("total", 0)),
                     str(progress.get("message", "starting…")), str(job.get("started_at", "")),
                     bool(progress.get("finished")), progress.get("returncode"))


def start_retraining(who: Who, db_url: str, since: datetime | None = None, root: Path | None = None,
                     now: datetime | None = None, adapter: bool = False) -> JobStatus:
    """Start ``train from-corrections`` in the background (admins only); refused while one runs. ``adapter``: with
    ``--adapter`` (the adapter continued and every head refitted on it, as one set; takes longer)."""
    require(who, "manage_models")
    current = job_status(root)
    if current is not None and current.running:
        raise UsageError(f"a retraining started at {current.started_at} is still running ({current.message}); "
                         "wait for it to finish")
    folder = _job_dir(root)
    progress = folder / "progress.json"
    progress.unlink(missing_ok=True)
    command = [sys.executable, "-m", "triage", "train", "from-corrections", "--db", db_url,
               "--progress-file", str(progress)]
    if since is not None:
        command += ["--since", since.date().isoformat()]
    if adapter:
        command.append("--adapter")
    env = dict(os.environ)
    if root is not None:
        env["TRIAGE_MODELS_DIR"] = str(root)
    log = (folder / "retraining.log").open("w", encoding="utf-8")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
                               cwd=Path(__file__).resolve().parent.parent.parent)
    started = (now or datetime.now()).isoformat(timespec="seconds")
    (folder / JOB_FILE).write_text(json.dumps({"pid": process.pid, "progress": str(progress),
                                               "started_at": started}), encoding="utf-8")
    return JobStatus(True, message="starting…", started_at=started)
