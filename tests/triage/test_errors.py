"""``triage.errors``: every error class of the project is defined there, and drawn in its docstring."""

from __future__ import annotations

import ast
import inspect
import re

from conftest import ROOT
from triage import errors


def exception_classes_defined_outside_errors() -> list[str]:
    """Public classes deriving from an ``...Error``/``...Exception`` class anywhere in ``triage/`` or ``listeners/``."""
    found = []
    for package in ("triage", "listeners"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "triage" / "errors.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                    continue
                bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
                if any(b.endswith(("Error", "Exception")) or b in vars(errors) for b in bases):
                    found.append(f"{path.relative_to(ROOT)}: {node.name}")
    return found


def test_every_error_class_is_defined_in_triage_errors():
    assert exception_classes_defined_outside_errors() == []


def test_the_docstring_draws_every_error_class():
    classes = [name for name, value in inspect.getmembers(errors, inspect.isclass) if issubclass(value, Exception)]
    drawn = set(re.findall(r"(\w+) {2,}", errors.__doc__ or ""))  # a name, then the column of its meaning
    assert classes and set(classes) <= drawn
    assert all(issubclass(getattr(errors, name), errors.TriageError) for name in classes)
