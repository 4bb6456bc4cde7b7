"""Sources: what Ascolto listens to, how each source's last run went, and "Fetch now".

Every value here may come from outside (a platform's error, a folder name), so it is shown
through dataframes and ``st.text`` only, never as Markdown. Fetching goes through
``triage.ingest.listening.run_source``; this page never calls a platform itself.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from triage.access.roles import Actor
from triage.config.settings import Config, SourceConfig, load_config
from triage.context import Context
from triage.db.source_state import DISABLED_STATES, MISSING_CREDENTIALS, SourceState, all_states
from triage.errors import TriageError
from triage.ingest.fetch_now import fetch_now
from triage.replies.sending import is_dry_run
from triage.ui.common import age, get_context, get_store
from triage.ui.signin import require_page

HOW_TO = """No sources are configured yet.

1. Copy `triage.example.toml` (at the top of the project) to `triage.toml`, or point the
   `TRIAGE_CONFIG` environment variable at your copy.
2. Keep the `[sources.<name>]` tables you need (X, Reddit, Mastodon, Bluesky, App Store,
   Google Play, RSS, a watched folder) and set `enabled = false` on the others.
3. Set the credentials each source names as environment variables or in
   `.streamlit/secrets.toml`; a source without its credentials is skipped and says which
   variable to set.
4. Run `python -m triage listen --once` (or `--every 300`), or press "Fetch now" here."""


def status(source: SourceConfig, state: SourceState | None, config: Config) -> str:
    if not source.enabled:
        return f"disabled in {config.path.name if config.path else 'the configuration'}"
    if state is None or state.state not in DISABLED_STATES:
        return "enabled"
    fix = (state.last_error or "").partition("disabled: ")[2]  # "set X_TOKEN", or the package to install
    missing = "missing credentials" if state.state == MISSING_CREDENTIALS else "missing package"
    return f"disabled: {fix or missing}"


def _when(value) -> str:  # type: ignore[no-untyped-def]
    return f"{value:%Y-%m-%d %H:%M} UTC ({age(value)})" if value else "never"


def sources_frame(config: Config, states: dict[str, SourceState]) -> pd.DataFrame:
    rows = []
    for source in config.sources:
        state = states.get(source.name)
        rows.append({
            "source": source.name,
            "kind": source.kind,
            "status": status(source, state, config),
            "last run": _when(state.last_run_at if state else None),
            "last success": _when(state.last_success_at if state else None),
            "fetched": state.last_fetched if state else 0,
            "skipped": state.last_skipped if state else 0,
            "total": state.total_fetched if state else 0,
            "last error": (state.last_error or "") if state else "",
        })
    return pd.DataFrame(rows)


def _show_outcome() -> None:
    outcome = st.session_state.pop("source_outcome", None)
    if outcome:
        ok, line = outcome
        if ok:
            st.success("Fetched.", icon=":material/check:")
        else:
            st.error("The fetch did not finish:", icon=":material/error:")
        st.text(line)  # names, counts and the platform's error, shown literally


def _fetch(ctx: Context, source: SourceConfig, who: Actor) -> None:
    with st.spinner(f"Fetching {source.name}…"):
        try:
            run = fetch_now(ctx, source.name, who)  # admins only: the library refuses anyone else
        except TriageError as exc:
            st.session_state["source_outcome"] = (False, f"{source.name}: {exc}")
        else:
            st.session_state["source_outcome"] = (run.ok, run.line())
    st.cache_data.clear()  # the queue's cached ranking includes the new mentions
    st.rerun()


def render() -> None:
    st.title("Sources")
    actor = require_page("edit_sources", "Sources")  # admins
    get_store()  # a database that cannot be opened stops the page here, with a hint
    try:
        config = load_config()
    except TriageError as exc:
        st.error("The configuration cannot be used:", icon=":material/error:")
        st.text(str(exc))
        return
    ctx = get_context(config)
    if is_dry_run(ctx):
        st.text("Sending: dry run. Replies are recorded in Ascolto and never posted ([sending] dry_run).")
    else:
        st.text("Sending: live. Replies are posted through the channel's client where the platform allows it.")
    if not config.sources:
        st.info(HOW_TO, icon=":material/settings:")
        return
    st.text(f"Configuration: {config.where}")
    _show_outcome()
    states = all_states(ctx.store)
    st.dataframe(sources_frame(config, states), hide_index=True, key="sources-table",
                 column_config={"last error": st.column_config.TextColumn(width="large")})
    st.subheader("Fetch now", divider="gray")
    for source in config.sources:
        name, button = st.columns([4, 1], vertical_alignment="center")
        name.text(f"{source.name} ({source.kind}): {status(source, states.get(source.name), config)}")
        if button.button("Fetch now", key=f"fetch-{source.name}", disabled=not source.enabled,
                         icon=":material/download:"):
            _fetch(ctx, source, actor)


render()
