"""Shared fixtures: databases (SQLite and a real PostgreSQL), a fake model, demo stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fakes import NOW, KeywordIntentModel, KeywordSentimentModel
from postgres import postgres_server, postgres_url  # noqa: F401
from receivers import SmtpServer, WebhookServer
from triage.db.store import Store, open_store
from triage.records import Author, Mention

ROOT = Path(__file__).resolve().parent.parent

SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def fake_model() -> KeywordSentimentModel:
    return KeywordSentimentModel()


@pytest.fixture
def fake_intent_model() -> KeywordIntentModel:
    return KeywordIntentModel()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'triage.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """The same test on a SQLite file and on the real PostgreSQL server (skipped where it has no binaries)."""
    return sqlite_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def backend(db_url: str) -> Iterator[Store]:
    """A store on each backend in turn (see ``db_url``)."""
    opened = open_store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def store(sqlite_url: str) -> Store:
    opened = open_store(sqlite_url)
    yield opened
    opened.dispose()


def make_mention(
    external_id: str = "1",
    text: str = "my internet is down again",
    channel: str = "x",
    handle: str = "marta_rm",
    minutes_ago: int = 60,
    followers: int = 100,
    **extra,
) -> Mention:
    return Mention(
        channel=channel,
        external_id=external_id,
        text=text,
        author=Author(handle, extra.pop("display_name", handle.title()), followers, extra.pop("verified", False)),
        created_at=NOW - timedelta(minutes=minutes_ago),
        url=extra.pop("url", f"https://x.com/{handle}/status/{external_id}"),
        fetched_at=NOW,
        **extra,
    )


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo data loaded once (with the fake model); tests copy it."""
    from triage.ingest.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo_store = open_store(f"sqlite:///{path}")
    load_demo(demo_store, KeywordSentimentModel(), intent_model=KeywordIntentModel())
    demo_store.dispose()
    return path


@pytest.fixture
def demo_db_url(demo_db_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "demo.db"
    shutil.copy(demo_db_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def demo_store(demo_db_url: str) -> Store:
    opened = open_store(demo_db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def http():
    """``responses`` with no network (for requests-based clients): unknown URLs fail, unused recordings fail too."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        unmatched = [c.request.url for c in mock.calls if isinstance(c.response, Exception)]
        assert not unmatched, f"requests with no recorded answer: {unmatched}"


def start_dashboard(monkeypatch: pytest.MonkeyPatch, db_url: str, timeout: int = 120, **env: str):
    """Run ``dashboard.py`` in a Streamlit ``AppTest`` on ``db_url`` as agent giulia; ``env`` sets more variables."""
    from streamlit.testing.v1 import AppTest

    for name, value in {"TRIAGE_DB_URL": db_url, "TRIAGE_AGENT": "giulia", **env}.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def reply_app(demo_db_url: str, monkeypatch: pytest.MonkeyPatch):
    """The dashboard (``AppTest``) on a copy of the demo database, signing replies ``^GB``, with no rewriting
    model; the reply-history index it builds is forgotten afterwards."""
    from triage.replies.history import forget

    for name in ("TRIAGE_LLM_URL", "TRIAGE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    yield start_dashboard(monkeypatch, demo_db_url, timeout=300, TRIAGE_SIGNATURE="^GB")
    forget(open_store(demo_db_url))


@pytest.fixture(scope="module")
def app_db(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo database for the dashboard one browser-test module runs."""
    target = tmp_path_factory.mktemp("app") / "demo.db"
    shutil.copy(demo_db_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (``/usr/bin/chromium``) driven by Playwright, one per browser-test module."""
    from playwright.sync_api import sync_playwright

    from app_server import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_mention(at, mention_id: int):
    """Open a mention's detail view in a Streamlit ``AppTest`` (as the ``?mention=ID`` link does)."""
    at.query_params["mention"] = str(mention_id)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; ``smtp_server.messages`` are the e-mails it received."""
    server = SmtpServer()
    controller = server.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    """A real HTTP endpoint on 127.0.0.1; ``webhook_server.received`` are the JSON bodies posted to it."""
    server = WebhookServer()
    httpd = server.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
