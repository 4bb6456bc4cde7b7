"""The documentation keeps up with the code: every CLI subcommand, every ``TRIAGE_*``
environment variable and every listener kind is named in README.md or docs/*.md."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from triage.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("triage", "listeners")
VARIABLE = re.compile(r"\bTRIAGE_[A-Z0-9_]*[A-Z0-9]\b")


def documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Each command path: ``("demo",)``, ``("train", "intent")``... from nested subparsers, or from
    a subcommand's first positional argument when it is a fixed choice (``evaluate priority``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*path, name)
                yield from subcommands(child, (*path, name))
            return
    if path:
        positionals = [a for a in parser._actions if not a.option_strings and a.dest != "help"]
        if positionals and positionals[0].choices:
            for choice in positionals[0].choices:
                yield (*path, str(choice))


def environment_variables() -> set[str]:
    found: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            found.update(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return found


def listener_kinds() -> set[str]:
    """The kinds Ascolto ships: the registry's entries whose class lives in ``listeners``
    (a class, or a lazy ``"module:Class"`` string); kinds that tests register are left out."""
    from listeners import registry

    def module_of(entry: object) -> str:
        if isinstance(entry, str):
            return entry.split(":")[0]
        return str(getattr(entry, "__module__", ""))

    return {kind for kind, entry in registry.LISTENERS.items() if module_of(entry).startswith("listeners.")}


def test_the_walk_finds_nested_commands():
    commands = set(subcommands(build_parser()))
    assert {("demo",), ("listen",), ("train", "intent"), ("evaluate", "replies")} <= commands


def test_every_cli_subcommand_is_documented():
    docs = documentation()
    missing = [
        " ".join(command) for command in subcommands(build_parser())
        if not re.search(r"\b(?:triage|ascolto)\s+" + r"\s+".join(map(re.escape, command)) + r"\b", docs)
    ]
    assert not missing, f"add these commands to README.md's 'Command line' table: {missing}"


def test_every_environment_variable_is_documented():
    docs = documentation()
    variables = environment_variables()
    assert "TRIAGE_DB_URL" in variables  # the search itself works
    missing = sorted(v for v in variables if not re.search(rf"\b{v}\b", docs))
    assert not missing, f"add these variables to README.md's 'Configuration' table: {missing}"


def test_every_listener_kind_is_documented():
    docs = documentation()
    kinds = listener_kinds()
    assert {"x", "rss", "files"} <= kinds
    missing = sorted(k for k in kinds if f'kind = "{k}"' not in docs)
    assert not missing, f'add a section (`kind = "..."`) for these listeners to docs/listeners.md: {missing}'
