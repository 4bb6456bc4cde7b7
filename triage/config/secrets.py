"""Credentials for listeners: environment variables over Streamlit's ``.streamlit/secrets.toml``.

Values are only handed to listeners through a ``Secrets`` mapping. They are never written
to the database or the logs: ``Secrets`` does not show values in its ``repr``, and
``Secrets.redact`` removes every value a listener asked for from any text (an error
message, a log line) before the runner records it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

from triage.config.environment import Environment, environment
from triage.errors import CredentialsFileError

SECRETS_FILE_ENV = Environment.variable("secrets_file")
DEFAULT_SECRETS_FILE = Path(".streamlit") / "secrets.toml"
REDACTED = "[redacted]"
_MIN_REDACTED_LENGTH = 4  # shorter values ("1", "en") are not secrets worth hiding, and hiding them garbles text


class Secrets(Mapping[str, str]):
    """Read-only credentials: ``environ`` wins over ``file_values``; remembers which names were read."""

    def __init__(self, file_values: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None) -> None:
        self._file = dict(file_values or {})
        self._environ = environ if environ is not None else os.environ
        self._used: set[str] = set()

    def __getitem__(self, name: str) -> str:
        if name in self._environ:
            value = self._environ[name]
        elif name in self._file:
            value = self._file[name]
        else:
            raise KeyError(name)
        self._used.add(name)
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._environ or name in self._file

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(set(self._file) | set(self._environ)))

    def __len__(self) -> int:
        return len(set(self._file) | set(self._environ))

    def __repr__(self) -> str:
        return f"Secrets({len(self._file)} from the secrets file, values hidden)"

    __str__ = __repr__

    def redact(self, text: str) -> str:
        """``text`` with every credential value removed (values a listener read, and the whole file)."""
        names = set(self._file) | self._used
        values = sorted(
            {v for n in names if (v := self._environ.get(n, self._file.get(n))) and len(v) >= _MIN_REDACTED_LENGTH},
            key=len,
            reverse=True,
        )
        for value in values:
            text = text.replace(value, REDACTED)
        return text


def secrets_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``path``, else ``$TRIAGE_SECRETS_FILE``, else ``.streamlit/secrets.toml`` in the working directory."""
    if path:
        return Path(path)
    return Path(environment().secrets_file or DEFAULT_SECRETS_FILE)


def load_secrets(path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Secrets:
    """Credentials from the environment over the secrets file's top-level keys (a missing file is fine)."""
    chosen = secrets_path(path)
    values: dict[str, str] = {}
    if chosen.is_file():
        try:
            with chosen.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            # the decoder's message names the line, never the value
            raise CredentialsFileError(f"{chosen}: invalid TOML: {exc}") from None
        except OSError as exc:
            raise CredentialsFileError(f"cannot read secrets file {chosen}: {exc.strerror}") from None
        values = {k: str(v) for k, v in data.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    return Secrets(values, environ)
