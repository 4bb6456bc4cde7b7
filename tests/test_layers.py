"""The packages depend one way: each imports only from the layers below it.

From the top: the interfaces (the command line and the dashboard), training and
evaluation, getting mentions in, replies, the team's queue, ranking, the context, models
and the database, configuration, the platform listeners, tabular files, text analysis,
and at the bottom the records and errors every layer shares. A new sub-package gets its
place in ``LAYERS`` (and in README's architecture section) when it is created.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS: dict[str, int] = {
    "__main__": 0,
    "cli": 1, "ui": 1,
    "training": 2,
    "evaluation": 3,
    "ingest": 4,
    "replies": 5, "reports": 5,
    "queue": 6,
    "ranking": 7,
    "context": 8,
    "models": 9, "db": 9, "access": 9, "notify": 9,
    "config": 10,
    "listeners": 11,
    "tables": 12,
    "text": 13,
    "records": 14, "errors": 14,
}


def unit_of(module: str) -> str | None:
    """``triage.db.store`` -> ``db``; ``listeners.x`` -> ``listeners``; anything else -> None."""
    parts = module.split(".")
    if parts[0] == "listeners":
        return "listeners"
    if parts[0] == "triage" and len(parts) > 1:
        return parts[1]
    return None


def imports(path: Path) -> list[str]:
    """Every absolute module a file imports, wherever the import statement sits."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found.append(node.module if node.module != "triage" else names[0])
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def edges() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, file) for every import between two different units."""
    found = []
    for path in sorted([*ROOT.glob("triage/**/*.py"), *ROOT.glob("listeners/**/*.py")]):
        if "migrations" in path.parts:
            continue
        source = unit_of(module_name(path))
        for target in imports(path):
            imported = unit_of(target)
            if source and imported and imported != source:
                found.append((source, imported, str(path.relative_to(ROOT))))
    return found


def test_every_package_has_a_layer():
    units = {unit for source, target, _ in edges() for unit in (source, target)}
    assert units - set(LAYERS) == set(), "give each new package a place in LAYERS"


def test_packages_import_only_from_the_layers_below():
    upward = [f"{file}: {source} imports {target}" for source, target, file in edges()
              if LAYERS.get(target, -1) <= LAYERS.get(source, -1)]
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from triage.cli import main\nimport listeners.registry\n", encoding="utf-8")
    assert [unit_of(name) for name in imports(sample)] == ["cli", "listeners"]
