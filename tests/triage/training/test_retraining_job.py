"""The dashboard's retraining job: ``--adapter`` from the Model page's checkbox reaches the command, which says up
front that it takes longer and why."""

from __future__ import annotations

import time

import pytest

from conftest import ROOT
from triage.training.adapter import ADAPTER_NOTE
from triage.training.jobs import JOB_FILE, job_status, start_retraining


def test_the_adapter_option_reaches_the_background_command_which_says_it_takes_longer(tmp_path, sqlite_url):
    if not (ROOT.parent / "shared" / "data" / "tweeteval").is_dir():
        pytest.skip("shared/data is not next to this checkout")
    root = tmp_path / "models"
    start_retraining("ada", sqlite_url, root=root, adapter=True)
    status = job_status(root)
    for _ in range(600):  # a generous wait for a busy machine; nothing is timed
        if status is not None and not status.running:
            break
        time.sleep(0.5)
        status = job_status(root)
    assert status is not None and status.finished and status.returncode == 0, status
    log = (root / ".jobs" / "retraining.log").read_text(encoding="utf-8")
    assert f"--adapter: {ADAPTER_NOTE}" in log
    assert "set: not retrained: 0 sentiment labels, at least 10 needed to continue the adapter" in log
    assert (root / ".jobs" / JOB_FILE).is_file()
