"""Shared pieces of the dashboard: the cached context (store, models), the agent's settings, safe text.

Post text is hostile: it is shown only through ``st.text``, ``st.code`` and dataframes,
which render literal characters, never through Markdown or HTML.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from triage.access.roles import Actor
from triage.config.environment import environment
from triage.config.settings import Config, load_config
from triage.context import Context
from triage.db.claims import shares_work
from triage.db.schema import DEMO_META_KEY
from triage.db.store import Store, open_store, resolve_url
from triage.errors import TriageError
from triage.ingest.demo import load_demo
from triage.ingest.worker import drain
from triage.models.sentiment import SentimentModel, load_sentiment_model
from triage.ranking.refresh import VIEW_REFRESH_LIMIT, refresh_priorities
from triage.records import as_utc, utcnow
from triage.replies.reconcile import reconcile_pending
from triage.ui import signin


@st.cache_resource(show_spinner="Opening the database…")
def _context(url: str) -> Context:
    """One context per database for the dashboard's life: the store, and models loaded on first use.

    Opening it settles the replies a crash left half-sent (``reconcile_pending``), once per dashboard start.
    """
    ctx = Context(open_store(url), sentiment=get_model)
    reconcile_pending(ctx.fresh())
    return ctx


def _store(url: str) -> Store:
    return _context(url).store


@st.cache_resource(show_spinner="Loading the sentiment model…")
def _model(spec: str) -> SentimentModel:
    return load_sentiment_model(spec)


def get_model() -> SentimentModel:
    return _model(environment().sentiment_model)


def get_context(config: Config | None = None) -> Context:
    """The dashboard's context for the database named by ``TRIAGE_DB_URL`` (default SQLite); stops the page
    with a hint when it cannot be opened. ``config``: the configuration this page run read; without it,
    ``triage.toml`` is read on first use (once per page run, so edits apply without a restart)."""
    url = resolve_url()
    try:
        ctx = _context(url)
    except TriageError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop ends the script
    from triage.ingest.reclassify import refresh_models

    refresh_models(ctx)  # a model version promoted since the last page run classifies from now on
    return ctx.fresh(config)


def get_store() -> Store:
    """The database named by ``TRIAGE_DB_URL`` (default SQLite); stops the page with a hint on failure."""
    url = resolve_url()
    try:
        return _store(url)
    except TriageError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop ends the script


@st.cache_data(ttl=60, show_spinner=False)
def _refreshed(url: str, minute: str) -> int:
    """SQLite: the page rescores the priorities gone stale (at most once a minute, bounded).
    PostgreSQL: the workers do it (``python -m triage worker`` ranks once a minute while idle), so no page
    view waits for a refresh; the page only reads."""
    store = _store(url)
    if shares_work(store):
        return 0
    return refresh_priorities(store, limit=VIEW_REFRESH_LIMIT)


@st.cache_data(ttl=60, show_spinner="Classifying new mentions…")
def _drained(url: str, minute: str) -> int:
    """SQLite: the dashboard's in-process worker classifies what is pending (e.g. left by a killed import).
    PostgreSQL: ``python -m triage worker`` processes do it; the page only reads."""
    ctx = _context(url)
    if shares_work(ctx.store):
        return 0
    return drain(ctx, rank_when_idle=False).classified


def ready_store() -> Store:
    """The store with data in it: loads the demo into an empty database, classifies pending mentions and
    refreshes priorities (SQLite; at most once a minute: on PostgreSQL the workers do both)."""
    store = get_store()
    if store.is_empty():
        st.info("The database is empty: loading the demo data set (fictional brand Lumora)…")
        bar = st.progress(0.0, text="Classifying demo mentions…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / max(total, 1), text=f"Classifying demo mentions… {done}/{total}")

        load_demo(store, get_model(), progress=progress)
        bar.empty()
        st.cache_data.clear()
    minute = utcnow().strftime("%Y-%m-%d %H:%M")
    _drained(resolve_url(), minute)
    _refreshed(resolve_url(), minute)
    if store.get_meta(DEMO_META_KEY):
        st.caption(
            "Showing demo data: Lumora is a fictional telecom brand, its mentions and replies are authored "
            "for this project. Connect listeners or import a file to work on your own mentions."
        )
    return store


def agent() -> str:
    """The name the audit trail records for whoever acts (the signed-in e-mail address with ``[auth]``)."""
    return current_actor().name


def current_actor() -> Actor:
    """Who is acting on this page: the signed-in user, or (without ``[auth]``) the local operator
    named in the sidebar (``triage.ui.signin``). Library calls take this ``Actor``, never a name."""
    return signin.current_actor()


def signature() -> str:
    return str(st.session_state.get("signature", "")).strip()


def _brand_signature() -> str:
    """``[brand] signature`` from triage.toml (empty when there is none or the file is broken)."""
    try:
        return load_config().brand.signature
    except TriageError:
        return ""


def sidebar(actor: Actor | None = None) -> None:
    """Who is signed in (or the single user's name) and the reply signature."""
    with st.sidebar:
        signin.identity_sidebar(actor or current_actor())
        st.text_input("Signature", key="signature", value=environment().signature or _brand_signature(),
                      placeholder="e.g. ^GB", help="Added at the end of every suggested reply.")


def age(created_at: datetime, now: datetime | None = None) -> str:
    """'12 min ago', '3 h ago', '4 days ago'."""
    seconds = max(0.0, (as_utc(now or utcnow()) - as_utc(created_at)).total_seconds())
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def safe_url(url: str) -> str | None:
    """Only web links are clickable; anything else (javascript:, data:) is not a link."""
    return url if url.lower().startswith(("https://", "http://")) else None
