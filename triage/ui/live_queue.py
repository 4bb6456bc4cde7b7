"""The queue list, live: it refreshes itself every ``[queue] refresh_seconds`` (``st.fragment(run_every=…)``).

Only the list reruns on each tick (count, pager, workload, table), so the open mention and
the reply draft below it are untouched. The selection is kept by mention id, never by row
number: a click maps to the row as it was drawn, even if the list re-ranked since. When the
open mention changes under the agent (someone claimed or answered it), the whole page reruns
once, and the detail says who did what, and when (``triage.queue.changes``).

The dashboard also runs the alert check (``triage.queue.alerts``) in one background thread,
at most once a minute, when ``[notify]`` has a channel, unless ``[alerts] in_dashboard = false``
(the alerts run as their own service).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

import pandas as pd
import streamlit as st

from triage.config.settings import Config
from triage.db.queue_view import count_bound, lines_text, queue_lines
from triage.db.reporting import MentionFilter
from triage.db.schema import MentionRow
from triage.db.store import QueueFilter, Store
from triage.errors import ConfigError, TriageError
from triage.notify.channels import notify_settings
from triage.queue.alerts import alert_settings, check_alerts
from triage.queue.assignment import workload
from triage.queue.changes import changes_since
from triage.queue.delivery import channels_for
from triage.queue.reports import unanswered_csv
from triage.ranking.incidents import summaries
from triage.ui.common import age, current_actor, get_context
from triage.ui.queue_paging import read_page, settle_page_input
from triage.ui.triage_panel import incident_label

log = logging.getLogger(__name__)

PAGE_SIZES = (100, 200, 500)
DEFAULT_REFRESH_SECONDS = 10.0
ALERT_CHECK_SECONDS = 60.0
COLUMNS = ("priority", "status", "assignee", "team", "channel", "author", "age", "intent", "top reason", "incident",
           "text", "sentiment")


def refresh_seconds(config: Config) -> float:
    """``[queue] refresh_seconds`` (default 10); an error names the key to fix."""
    value = config.section("queue").get("refresh_seconds", DEFAULT_REFRESH_SECONDS)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
        raise ConfigError(f"{config.where}: [queue] refresh_seconds must be a number of seconds, 1 or more, e.g. 10")
    return float(value)


def _top_reason(row: MentionRow) -> str:
    return row.reasons[0]["phrase"] if row.reasons else ""


def queue_frame(rows: list[MentionRow], incidents: dict | None = None) -> pd.DataFrame:
    """The table the agent sees: status, assignee and team up front."""
    incidents = incidents or {}
    return pd.DataFrame(
        {
            "priority": [r.priority for r in rows],
            "status": [r.status for r in rows],
            "assignee": [r.assignee or "" for r in rows],
            "team": [r.team or "" for r in rows],
            "intent": [r.intent or "" for r in rows],
            "incident": [incident_label(incidents.get(r.incident_id)) for r in rows],
            "channel": [r.channel for r in rows],
            "author": [r.author_handle for r in rows],
            "age": [age(r.created_at) for r in rows],
            "sentiment": [r.sentiment or "" for r in rows],
            "top reason": [_top_reason(r) for r in rows],
            "text": [r.text.replace("\n", " ")[:160] for r in rows],
        }
    )


def workload_line(store: Store) -> str:
    """'Open per person: giulia 3 · tom 1 · waiting in teams: billing 2' ('' when nobody holds anything)."""
    counts = workload(store)
    parts = []
    if counts.people:
        parts.append("Open per person: " + " · ".join(f"{name} {n}" for name, n in counts.people))
    if counts.teams:
        parts.append("waiting in teams: " + " · ".join(f"{team} {n}" for team, n in counts.teams))
    return "; ".join(parts)


def _version(row: MentionRow) -> str:
    return row.updated_at.isoformat()


def queue_list(store: Store, flt: QueueFilter, every: float) -> None:
    """Draw the queue list now, then again every ``every`` seconds (only the list)."""
    st.session_state["q_full_run"] = True  # the fragment's first pass belongs to a whole-page run
    st.fragment(run_every=every)(_draw)(store, flt)


def _draw(store: Store, flt: QueueFilter) -> None:
    full_run = bool(st.session_state.pop("q_full_run", False))
    line = workload_line(store)
    if line:
        st.text(line)  # names as typed or configured: literal, never Markdown (no autolinks)
    bound = count_bound(flt)
    total = queue_lines(store, flt, bound=bound)  # an incident counts once; past the bound, "10,000+"
    top, pager, download = st.columns([3, 2, 1])
    size = int(st.session_state.get("q_page_size", PAGE_SIZES[-1]))
    pages = max(1, -(-total // size)) if total <= bound else None  # past the bound: pages open-ended
    page, jumped = 1, settle_page_input()
    if pages is None:
        page = int(pager.number_input("Page", min_value=1, key="q_page"))  # keyset pages: any page
    elif pages > 1:
        if int(st.session_state.get("q_page", 1)) > pages:  # the filters shrank the queue
            st.session_state["q_page"] = pages
        page = int(pager.number_input(f"Page (of {pages})", min_value=1, max_value=pages, key="q_page"))
    rows = read_page(store, flt, page, size).rows  # a seek past the previous page; an incident shows once
    incidents = summaries(store, [r.incident_id for r in rows])
    where = f" · page {page}" if pages is None else (f" · page {page} of {pages}" if pages > 1 else "")
    top.text(f"{lines_text(total, bound)}, highest priority first" + where)
    if jumped:
        top.caption(jumped)
    actor = current_actor()
    if actor.can("export"):  # managers and admins; agents and leads see no download
        download.download_button(  # the file is built when clicked, not on every view
            "Unanswered complaints (CSV)",  # of the channels and languages the queue is filtered to
            lambda: unanswered_csv(store, where=MentionFilter(tuple(flt.channels), tuple(flt.languages)), who=actor),
            file_name="unanswered-complaints.csv", mime="text/csv", icon=":material/download:",
            key="download-unanswered",
        )
    if not rows:
        st.info("No mentions match these filters.")
        _remember(rows)
        return
    drawn_ids: list[int] = st.session_state.get("q_drawn_ids", [])
    ids = [r.id for r in rows]
    open_id = st.session_state.get("open_mention")
    if open_id in drawn_ids and open_id in ids and drawn_ids.index(open_id) != ids.index(open_id):
        # the open mention moved in the list: a fresh table, so the highlight never sits on another mention
        st.session_state["queue_version"] = st.session_state.get("queue_version", 0) + 1
        st.session_state["queue_selection"] = ()
    event = st.dataframe(
        queue_frame(rows, incidents), key=f"queue-{st.session_state.get('queue_version', 0)}", on_select="rerun",
        selection_mode="single-row", hide_index=True,
        column_config={
            "priority": st.column_config.ProgressColumn("priority", min_value=0, max_value=100, format="%d",
                                                        width="small"),
            "status": st.column_config.TextColumn(width="small"),
            "assignee": st.column_config.TextColumn(width="medium"),
            "channel": st.column_config.TextColumn(width="small"),
            "age": st.column_config.TextColumn(width="small"),
            "text": st.column_config.TextColumn(width="large"),
        },
        column_order=COLUMNS,
    )
    clicked = _clicked(rows, tuple(event.selection.rows) if event is not None else ())
    _remember(rows)
    if full_run:
        return
    if clicked:
        st.rerun()  # a row was opened: the whole page, to show its detail
    seen = st.session_state.get("detail_seen")  # the mention the detail shows (clicked or linked), as shown
    if seen:
        current = next((r for r in rows if r.id == seen[0]), None)
        if current is None:
            try:
                current = store.get(seen[0])
            except TriageError:
                return
        if _version(current) != seen[1]:
            st.rerun()  # someone changed the open mention: the whole page, so its detail says what happened


def _clicked(rows: list[MentionRow], selection: tuple[int, ...]) -> bool:
    """Open the mention the agent clicked, as the list showed it when they clicked; whether they did."""
    if selection == st.session_state.get("queue_selection", ()):
        return False
    st.session_state["queue_selection"] = selection
    if not selection:
        st.session_state["open_mention"] = None
        return True
    drawn_ids: list[int] = st.session_state.get("q_drawn_ids") or [r.id for r in rows]
    versions: dict[int, str] = st.session_state.get("q_drawn_versions", {})
    index = selection[0]
    mention_id = drawn_ids[index] if index < len(drawn_ids) else None
    st.session_state["open_mention"] = mention_id
    if mention_id is not None:
        drawn = versions.get(mention_id) or next((_version(r) for r in rows if r.id == mention_id), None)
        st.session_state["detail_seen"] = (mention_id, drawn)  # as the agent saw it in the list
    return True


def _remember(rows: list[MentionRow]) -> None:
    st.session_state["q_drawn_ids"] = [r.id for r in rows]
    st.session_state["q_drawn_versions"] = {r.id: _version(r) for r in rows}


def stale_note(store: Store, row: MentionRow, me: str) -> str:
    """What others did to the open mention since this agent last saw it ('' when nothing); remembers
    that the agent has now seen this version. The note stays on the mention until they act on it."""
    key = f"stale-{row.id}"
    seen = st.session_state.get("detail_seen")
    if seen and seen[0] == row.id and seen[1] and seen[1] != _version(row):
        note = changes_since(store, row.id, datetime.fromisoformat(seen[1]), me=me)
        if note:
            st.session_state[key] = note
    st.session_state["detail_seen"] = (row.id, _version(row))
    return str(st.session_state.get(key, ""))


def forget_detail() -> None:
    """No detail is shown: the list has no open mention to watch."""
    st.session_state.pop("detail_seen", None)


def clear_stale_note(mention_id: int | None) -> None:
    if mention_id is not None:
        st.session_state.pop(f"stale-{mention_id}", None)


def start_alert_checks(url: str) -> threading.Thread | None:
    """The dashboard's alert thread (``_alert_thread``), unless ``[alerts] in_dashboard = false``: then none."""
    try:
        wanted = alert_settings(get_context().config).in_dashboard
    except TriageError as exc:  # a broken triage.toml: the thread says so each minute, as it did before
        log.warning("alerts: %s", exc)
        wanted = True
    return _alert_thread(url) if wanted else None


@st.cache_resource(show_spinner=False)
def _alert_thread(url: str) -> threading.Thread:
    """One background thread per dashboard and database: the alert check at most once a minute
    (skipped while ``[alerts] in_dashboard`` is false)."""
    base = get_context()

    def loop() -> None:
        while True:
            ctx = base.fresh()  # triage.toml read again: [notify] edits apply without a restart
            try:
                if alert_settings(ctx.config).in_dashboard and channels_for(notify_settings(ctx.config)):
                    run = check_alerts(ctx)
                    if run.recorded or run.delivery.sent:
                        log.info("alerts: %s", run.lines()[-1])
            except TriageError as exc:  # the messages are redacted; the next minute tries again
                log.warning("alerts: %s", exc)
            except Exception as exc:  # noqa: BLE001 (the thread must outlive any one failure)
                log.warning("alerts: %s (%s)", type(exc).__name__, "see the next run")
            time.sleep(ALERT_CHECK_SECONDS)

    thread = threading.Thread(target=loop, name="ascolto-alerts", daemon=True)
    thread.start()
    return thread
