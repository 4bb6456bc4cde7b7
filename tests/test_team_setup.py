"""The team setup in README.md ("Run for a team") and docs/compose.yaml run commands that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from triage.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def parses(argv: list[str]) -> bool:
    build_parser().parse_args(argv)  # exits (SystemExit) on an unknown subcommand or flag
    return True


def test_every_compose_service_runs_a_real_command():
    services = yaml.safe_load((ROOT / "docs" / "compose.yaml").read_text(encoding="utf-8"))["services"]
    commands = {name: service["command"] for name, service in services.items() if "command" in service}
    assert set(commands) == {"listen", "worker", "alerts", "dashboard"}
    for name in ("listen", "worker", "alerts"):
        assert commands[name][:3] == ["python", "-m", "triage"] and parses(commands[name][3:])
    assert commands["dashboard"][:3] == ["streamlit", "run", "dashboard.py"] and (ROOT / "dashboard.py").exists()


def test_the_systemd_units_in_the_readme_run_real_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"ExecStart=\S+/python -m triage (.+)", readme)
    assert len(lines) == 3  # the worker, the listener and the alerts
    assert all(parses(shlex.split(line)) for line in lines)
