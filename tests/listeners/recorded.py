"""Helpers for tests that replay recorded platform answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

PAYLOADS = Path(__file__).resolve().parent / "payloads"


def payload(platform: str, name: str) -> Any:
    """A recorded JSON body from ``payloads/<platform>/<name>.json``."""
    return json.loads((PAYLOADS / platform / f"{name}.json").read_text(encoding="utf-8"))


def query(call: responses.Call) -> dict[str, str]:
    """The query parameters a recorded request was sent with (one value each)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def form(call: responses.Call) -> dict[str, str]:
    """The form-encoded body a recorded request was sent with (one value each)."""
    body = call.request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return {k: v[0] for k, v in parse_qs(body or "").items()}


def drain(listener, cursor: str | None) -> tuple[list, str | None]:
    """Every batch of one fetch, and the cursor the runner would have stored after it."""
    batches = list(listener.fetch(cursor))
    return batches, (batches[-1].cursor if batches else cursor)
