"""Credentials: environment over ``.streamlit/secrets.toml``; never in logs, errors or the database."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from fake_listeners import FakeFeed, fake_kind  # noqa: F401  (fixture)
from listeners.base import TransientError
from triage.config.secrets import REDACTED, SECRETS_FILE_ENV, CredentialsFileError, load_secrets
from triage.config.settings import Config, ListenSettings, SourceConfig
from triage.context import Context
from triage.ingest.listening import run_source

TOKEN = "tok-3f9a8c1e77d2"


def test_environment_overrides_the_secrets_file(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('X_BEARER_TOKEN = "from-file"\nREDDIT_PASSWORD = "hunter22"\n[section]\nnested = "x"\n',
                    encoding="utf-8")
    secrets = load_secrets(path, environ={"X_BEARER_TOKEN": "from-env"})
    assert secrets["X_BEARER_TOKEN"] == "from-env"
    assert secrets.get("REDDIT_PASSWORD") == "hunter22"
    assert secrets.get("nested") is None and "section" not in secrets  # only top-level values
    assert secrets.get("ABSENT") is None


def test_the_file_location_is_configurable_and_optional(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_secrets(environ={}).get("A") is None  # no .streamlit/secrets.toml: fine
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('A = "default place"\n', encoding="utf-8")
    assert load_secrets(environ={})["A"] == "default place"
    other = tmp_path / "elsewhere.toml"
    other.write_text('A = "configured place"\n', encoding="utf-8")
    monkeypatch.setenv(SECRETS_FILE_ENV, str(other))
    assert load_secrets(environ={})["A"] == "configured place"


def test_a_broken_secrets_file_is_named_without_its_values(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(f'GOOD = "{TOKEN}"\nBAD = "unterminated\n', encoding="utf-8")
    with pytest.raises(CredentialsFileError) as error:
        load_secrets(path, environ={})
    assert str(error.value).startswith(f"{path}: invalid TOML") and TOKEN not in str(error.value)


def test_secrets_hide_their_values(tmp_path):
    secrets = load_secrets(tmp_path / "none.toml", environ={"FAKE_TOKEN": TOKEN, "HOME": "/home/giulia"})
    assert TOKEN not in repr(secrets) and TOKEN not in str(secrets)
    secrets["FAKE_TOKEN"]
    assert secrets.redact(f"401 for Bearer {TOKEN}") == f"401 for Bearer {REDACTED}"
    assert secrets.redact("path /home/giulia") == "path /home/giulia"  # variables no listener read stay


def test_a_credential_never_reaches_logs_errors_or_the_sources_table(store, fake_model, fake_intent_model, fake_kind,
                                                                       caplog):
    """A platform error that echoes the token (as some do) is recorded and logged without it."""
    secrets = load_secrets(environ={"FAKE_TOKEN": TOKEN})
    feed = FakeFeed(["lumora is down", "broken again", "fine now"], malformed={1},
                    faults=[TransientError(f"503 from https://api.example/?access_token={TOKEN}")] * 3)
    source = SourceConfig("leaky", "fake", True, {"feed": feed})
    settings = ListenSettings(attempts=3, backoff_seconds=0)
    ctx = Context(store, Config(), secrets, sentiment=fake_model, intent=fake_intent_model)
    with caplog.at_level(logging.DEBUG):
        run = run_source(ctx, source, settings, sleep=lambda s: None)
    assert "503 from https://api.example/?access_token=[redacted]" in run.error
    assert caplog.records, "the failure is logged"
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    feed.faults.clear()
    run = run_source(ctx, source, settings, sleep=lambda s: None)
    assert run.ok and run.fetched == 2 and run.skipped == 1
    with store.engine.connect() as connection:
        dump = repr(connection.execute(text("select * from sources")).all())
        dump += repr(connection.execute(text("select * from mentions")).all())
    assert "leaky" in dump and TOKEN not in dump
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
