"""A watched folder of CSV/TSV/JSONL exports (from other tools or spreadsheets)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from listeners.base import Batch, Listener
from triage.errors import InputFileError
from triage.tables.columns import mapping_from_config
from triage.tables.formats import FORMATS, file_sha256
from triage.tables.mentions import read_mentions


class FolderListener(Listener):
    """Each new or changed file in ``folder`` is read once; the cursor remembers file hashes.

    Configuration: ``folder`` (required), ``channel`` (optional, overrides the files'), and for
    exports of other tools ``preset`` (``sprout``, ``hootsuite``, ``brandwatch``), ``columns``
    (our field = their column) and ``date_format`` (see ``triage.tables.columns``, docs/listeners.md).
    """

    kind = "files"
    required_keys = ("folder",)

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        folder = Path(self.config["folder"])
        if not folder.is_dir():
            raise InputFileError(f"{self.name}: folder {folder} does not exist; create it or fix 'folder'")
        mapping = mapping_from_config(self.config)
        seen: dict[str, str] = json.loads(cursor) if cursor else {}
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in FORMATS and p.is_file()):
            digest = file_sha256(path)
            if seen.get(path.name) == digest:
                continue
            parsed = read_mentions(path, self.config.get("channel"), mapping)
            seen = {**seen, path.name: digest}
            yield Batch(
                parsed.mentions,
                json.dumps(seen, sort_keys=True),
                [f"{path.name}: line {e.line}: {e.message}" for e in parsed.errors],
            )
