"""The Sources page: configured sources, their last runs, and "Fetch now", driven by AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.db.source_state import get_state
from triage.db.store import open_store
from triage.ingest.pipeline import process_new
from triage.tables.mentions import read_mentions

PAGE = str(ROOT / "triage" / "ui" / "sources_page.py")
HOSTILE_FOLDER = "<img src=x onerror=alert(1)>:red[gone]"
CSV = ("id,text,author,created_at\n"
       "c1,lumora fibra down since this morning,anna,2026-11-20T09:00:00Z\n"
       "c2,thanks lumora for the quick fix,bruno,2026-11-20T09:05:00Z\n"
       "c3,no author here,,2026-11-20T09:06:00Z\n")


def sources_table(at):
    return next(df.value for df in at.dataframe if "last error" in df.value.columns).set_index("source")


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """A triage.toml with a watched folder, an X search without its token, a broken folder and a disabled one."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "export.csv").write_text(CSV, encoding="utf-8")
    config = tmp_path / "triage.toml"
    config.write_text(
        '[brand]\nname = "Lumora"\nkeywords = ["lumora"]\n\n'
        f'[sources.inbox]\nkind = "files"\nfolder = "{inbox}"\nchannel = "file"\n\n'
        '[sources.x-search]\nkind = "x"\n\n'
        f'[sources.broken]\nkind = "files"\nfolder = "{tmp_path / HOSTILE_FOLDER}"\n\n'
        '[sources.old]\nkind = "files"\nfolder = "old"\nenabled = false\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    # The export's mentions are already stored and classified (by the test's keyword models), so this
    # page never loads the real sentiment model; test_listening covers classifying new mentions.
    store = open_store(db)
    store.upsert_mentions(read_mentions(inbox / "export.csv", "file").mentions)
    process_new(store, KeywordSentimentModel(), intent_model=KeywordIntentModel())
    store.dispose()
    monkeypatch.setenv("TRIAGE_DB_URL", db)
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    monkeypatch.setenv("TRIAGE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at, db


def test_configured_sources_are_listed_with_their_state(configured):
    at, _ = configured
    table = sources_table(at)
    assert list(table.index) == ["inbox", "x-search", "broken", "old"]
    assert list(table["kind"]) == ["files", "x", "files", "files"]
    assert list(table["status"]) == ["enabled", "enabled", "enabled", "disabled in triage.toml"]
    assert set(table["last run"]) == {"never"} and table["total"].sum() == 0
    assert at.button(key="fetch-old").disabled and not at.button(key="fetch-inbox").disabled
    assert "Sending: live. Replies are posted through the channel's client where the platform allows it." in [
        t.value for t in at.text]


def test_fetch_now_runs_the_source_and_shows_the_outcome(configured):
    at, db = configured
    at.button(key="fetch-inbox").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Fetched."]
    assert "inbox (files): fetched 2, new 0, skipped 1, ok" in [t.value for t in at.text]
    row = sources_table(at).loc["inbox"]
    assert (row["fetched"], row["skipped"], row["total"], row["last error"]) == (2, 1, 2, "")
    assert row["last run"].endswith("min ago)") and row["last success"] != "never"
    store = open_store(db)
    assert get_state(store, "inbox").cursor is not None  # the next fetch skips the file it has read
    store.dispose()


def test_a_missing_credential_disables_the_source_and_names_the_variable(configured):
    at, _ = configured
    at.button(key="fetch-x-search").click().run()
    assert [e.value for e in at.error] == ["The fetch did not finish:"]
    assert ("x-search (x): fetched 0, new 0, skipped 0, error: source 'x-search' (x) disabled: set X_BEARER_TOKEN"
            in [t.value for t in at.text])
    row = sources_table(at).loc["x-search"]
    assert row["status"] == "disabled: set X_BEARER_TOKEN"
    assert row["last error"] == "source 'x-search' (x) disabled: set X_BEARER_TOKEN"
    assert sources_table(at).loc["inbox", "status"] == "enabled"  # the others are unaffected


def test_errors_are_shown_as_plain_text(configured):
    at, _ = configured
    at.button(key="fetch-broken").click().run()
    error = sources_table(at).loc["broken", "last error"]
    assert HOSTILE_FOLDER in error and error.endswith("does not exist; create it or fix 'folder'")
    assert any(HOSTILE_FOLDER in t.value for t in at.text)
    for element in list(at.markdown) + list(at.caption) + list(at.error) + list(at.success) + list(at.info):
        assert HOSTILE_FOLDER not in element.value, "outside text must never reach Markdown"


def test_without_a_config_file_the_page_says_how_to_add_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./triage.toml here
    monkeypatch.delenv("TRIAGE_CONFIG", raising=False)
    monkeypatch.setenv("TRIAGE_DB_URL", f"sqlite:///{tmp_path / 'triage.db'}")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    [info] = at.info
    assert info.value.startswith("No sources are configured yet.") and "triage.example.toml" in info.value
    assert "Sending: dry run. Replies are recorded in Ascolto and never posted ([sending] dry_run)." in [
        t.value for t in at.text]


def test_a_broken_config_file_is_one_plain_line(tmp_path, monkeypatch):
    config = tmp_path / "triage.toml"
    config.write_text('[sources.a]\nkind = "myspace"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    monkeypatch.setenv("TRIAGE_DB_URL", f"sqlite:///{tmp_path / 'triage.db'}")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert [e.value for e in at.error] == ["The configuration cannot be used:"]
    assert any(t.value.startswith(f"{config}: [sources.a]: unknown kind 'myspace'") for t in at.text)


def test_the_dashboard_lists_the_sources_page_and_signs_with_the_brand_signature(demo_db_url, monkeypatch, tmp_path):
    config = tmp_path / "triage.toml"
    config.write_text('[brand]\nname = "Lumora"\nsignature = "^LS"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # ./triage.toml is found without TRIAGE_CONFIG
    monkeypatch.delenv("TRIAGE_CONFIG", raising=False)
    monkeypatch.delenv("TRIAGE_SIGNATURE", raising=False)
    monkeypatch.setenv("TRIAGE_DB_URL", demo_db_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert at.text_input(key="signature").value == "^LS"
    at.switch_page("triage/ui/sources_page.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sources"]
    texts = [t.value for t in at.text]
    assert texts[0].startswith("Sending: dry run.")  # a config without [sending] on demo data: dry run
    assert at.info[0].value.startswith("No sources are configured yet.")
