"""Reading and writing tables as CSV, TSV or JSONL, chosen by file extension."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.errors import InputFileError
from triage.tables.cells import text_cell

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (to tell whether a file changed, or record what trained a model)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputFileError(
            f"{path}: unknown format '{path.suffix or '(none)'}'; use a .csv, .tsv or .jsonl file"
        ) from None


@dataclass
class BadRow:
    line: int
    message: str


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """Yield ``(line number, row)`` for each record; unreadable records come as ``BadRow``.

    Line numbers are those of the file as an editor shows them (the header is line 1).
    """
    fmt = table_format(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        try:
            if fmt == "jsonl":
                yield from _read_jsonl(handle)
            else:
                yield from _read_delimited(handle, "," if fmt == "csv" else "\t", path)
        except UnicodeDecodeError:
            raise InputFileError(f"{path}: not UTF-8 text; save it as UTF-8 and try again") from None


def _read_jsonl(handle: Any) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, BadRow(number, f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield number, BadRow(number, "expected a JSON object")
            continue
        yield number, record


def _read_delimited(handle: Any, delimiter: str, path: Path) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{path}: the file is empty; it needs a header row") from None
    except csv.Error as exc:
        raise InputFileError(f"{path}: cannot read the header ({exc})") from None
    header = [h.strip() for h in header]
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, BadRow(reader.line_num, f"malformed row ({exc})")
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield reader.line_num, BadRow(
                reader.line_num, f"has {len(values)} fields, the header has {len(header)}"
            )
            continue
        yield reader.line_num, dict(zip(header, values))


def write_rows(
    path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str | None = None, bom: bool = False
) -> None:
    """Write ``rows`` (only ``columns``, in that order) as ``fmt`` (default: by ``path``'s extension).

    CSV/TSV cells go through ``triage.tables.cells.text_cell`` (formulas neutralised, one record a line);
    ``bom`` starts the file with a UTF-8 byte-order mark, so Excel reads € and è right."""
    fmt = fmt or table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom and fmt != "jsonl" else "utf-8", newline="") as handle:
        if fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str) + "\n")
            return
        writer = csv.DictWriter(
            handle, fieldnames=list(columns), delimiter="," if fmt == "csv" else "\t", extrasaction="ignore"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _cell(row.get(c)) for c in columns})


def _cell(value: Any) -> Any:
    """A CSV/TSV cell: text neutralised against formulas and kept on one line, numbers without trailing zeros."""
    return text_cell(value)
