"""The queue page's pager state: one ``QueuePages`` per session, started over when the filter changes."""

from __future__ import annotations

import streamlit as st

from triage.db.queue_view import JUMP_BOUND
from triage.db.store import QueueFilter, Store
from triage.queue.paging import PageRead, QueuePages

_BOOK, _LANDED = "q_pages", "q_page_landed"


def read_page(store: Store, flt: QueueFilter, number: int, size: int) -> PageRead:
    """Page ``number`` of the queue under ``flt``. When a bounded jump lands short of it, the page runs
    again with the page input set to where it landed (a widget's value can't change once drawn)."""
    key = (repr(flt), size, st.session_state.get("queue_version", 0))
    book = st.session_state.get(_BOOK)
    if book is None or book[0] != key:
        book = (key, QueuePages(size))
        st.session_state[_BOOK] = book
    read = book[1].read(store, flt, number)
    if read.number != number:
        st.session_state[_LANDED] = read.number
        st.rerun()
    return read


def settle_page_input() -> str | None:
    """Before the page input is drawn: set it to the page a bounded jump landed on, and say why."""
    landed = st.session_state.pop(_LANDED, None)
    if landed is None:
        return None
    st.session_state["q_page"] = landed
    return f"A jump walks at most {JUMP_BOUND:,} lines at a time: this is page {landed}; jump again to go farther."
