""""Fetch now" on the Sources page: one run of a source, for an admin only (the library refuses others)."""

from __future__ import annotations

import pytest

from triage.access.roles import access_of
from triage.config.secrets import load_secrets
from triage.config.settings import Config, SourceConfig, parse_config
from triage.context import Context
from triage.db.source_state import get_state
from triage.errors import AccessDenied, ConfigError
from triage.ingest.fetch_now import fetch_now

ACCESS = access_of(parse_config({"roles": {"admins": ["ada@lumora.example"], "managers": ["marco@lumora.example"],
                                           "agents": ["@lumora.example"]}}))
CSV = "id,text,author,created_at\nc1,lumora fibra down since this morning,anna,2026-11-20T09:00:00Z\n"


@pytest.fixture
def ctx(store, tmp_path, fake_model, fake_intent_model) -> Context:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "export.csv").write_text(CSV, encoding="utf-8")
    config = Config(sources=(SourceConfig("inbox", "files", True, {"folder": str(inbox), "channel": "file"}),))
    return Context(store, config, load_secrets("/nonexistent/secrets.toml", environ={}), sentiment=fake_model,
                   intent=fake_intent_model)


@pytest.mark.parametrize("email", ["anna@lumora.example", "marco@lumora.example"])
def test_only_an_admin_may_run_a_source(ctx, email):
    with pytest.raises(AccessDenied, match=r"only an admin or above may edit sources and settings"):
        fetch_now(ctx, "inbox", ACCESS.actor(email))
    assert get_state(ctx.store, "inbox") is None  # the source never ran


def test_an_admin_fetches_now(ctx):
    run = fetch_now(ctx, "inbox", ACCESS.actor("ada@lumora.example"))
    assert run.ok and run.fetched == 1
    assert get_state(ctx.store, "inbox").total_fetched == 1


def test_an_unknown_source_names_the_known_ones(ctx):
    with pytest.raises(ConfigError, match=r"no source named 'outbox'.*sources: inbox"):
        fetch_now(ctx, "outbox", "local operator")
