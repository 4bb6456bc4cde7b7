"""The real dashboard in headless Chromium: what an agent sees and what their clicks store.

Starts ``streamlit run dashboard.py`` on a copy of the demo database, drives it with
Playwright and reads the database back. Needs the Debian ``chromium`` package
(``/usr/bin/chromium``); skipped without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from app_server import CHROMIUM, running_app
from triage.db.store import QueueFilter, open_store
from triage.records import OPEN_STATUSES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,  # the dashboard drafts replies with the packaged encoder
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install -y chromium"),
]

AGENT = "giulia"
COUNT_TEXT = re.compile(r"^(\d+|10,000\+) mentions, highest priority first$")
# Header row and data rows of st.dataframe (glide data grid) are 35 px tall; column 0 holds the row checkboxes.
GRID_ROW_PX = 35
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](https://evil.example/x.png)",
    "[click](javascript:alert(1))",
    ":red[URGENT]",
]


@pytest.fixture(scope="module")
def app_url(app_db: str) -> Iterator[str]:
    with running_app(app_db, agent=AGENT) as app:
        yield app.url


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, app_url: str, dialogs: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.goto(app_url)
    expect(opened.get_by_test_id("stText").filter(has_text=COUNT_TEXT)).to_be_visible(timeout=40_000)
    yield opened
    context.close()


def shown_count(page: Page) -> int:
    text = page.get_by_test_id("stText").filter(has_text=COUNT_TEXT).inner_text().strip()
    match = COUNT_TEXT.match(text)
    assert match, text
    return int(match.group(1).rstrip("+").replace(",", ""))  # "10,000+": at least the bound


def search(page: Page, text: str, expected: int) -> None:
    """Type into the 'Search text or author' filter and wait for the queue to show ``expected`` rows."""
    expander = page.get_by_test_id("stExpander").filter(has_text="Filters").first
    box = page.get_by_label("Search text or author")
    if not box.is_visible():
        expander.get_by_text("Filters").first.click()
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_test_id("stText").filter(has_text=COUNT_TEXT)).to_have_text(
        f"{expected} mentions, highest priority first"
    )


def wait_idle(page: Page) -> None:
    """Wait until the app's script is not running (Streamlit marks it on the root element)."""
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1, timeout=90_000)


def select_first_row(page: Page) -> None:
    """Tick the checkbox of the queue's first data row (the grid is a canvas: click by coordinates)."""
    heading = page.get_by_role("heading", name="Selected mention")
    for _attempt in range(3):  # the canvas grid can still be laying out after a rerun: click again
        wait_idle(page)
        grid = page.get_by_test_id("stDataFrame").first
        expect(grid).to_be_visible()
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + GRID_ROW_PX / 2, box["y"] + GRID_ROW_PX * 1.5)
        try:
            heading.wait_for(state="visible", timeout=5000)
            break
        except PlaywrightTimeoutError:
            continue
    expect(heading).to_be_visible()
    wait_idle(page)


def detail_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("stText").all_inner_texts()]


def queue_lines(store, rows) -> int:
    """How many lines the queue shows for ``rows``: an incident's members show as one."""
    from triage.ranking.incidents import collapse, summaries

    return len(collapse(rows, summaries(store, [r.incident_id for r in rows])))


def test_queue_page_shows_ranked_table(page: Page, app_db: str) -> None:
    expect(page.get_by_role("heading", name="Queue", exact=True)).to_be_visible()
    store = open_store(app_db)
    try:
        expected = queue_lines(store, store.queue(QueueFilter(statuses=list(OPEN_STATUSES))))
    finally:
        store.dispose()
    assert expected > 0
    assert shown_count(page) == expected
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_text("Select a row to read the whole post")).to_be_visible()


@pytest.mark.parametrize("needle", HOSTILE)
def test_hostile_post_text_is_shown_literally(page: Page, app_db: str, dialogs: list[str], needle: str) -> None:
    store = open_store(app_db)
    try:
        rows = store.queue(QueueFilter(statuses=list(OPEN_STATUSES), text=needle))
    finally:
        store.dispose()
    assert rows, f"the demo data has no open mention containing {needle!r}"
    search(page, needle, len(rows))
    select_first_row(page)

    # The whole post, in the detail view, with its characters intact.
    expect(page.get_by_test_id("stText").filter(has_text=needle).first).to_be_visible()
    assert rows[0].text.strip() in detail_texts(page)

    # Nothing of it became markup.
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert page.locator('img[src*="evil.example"]').count() == 0
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert page.locator('[data-testid="stMarkdownContainer"] span', has_text=re.compile(r"^URGENT$")).count() == 0
    page.wait_for_timeout(300)  # give a would-be onerror handler its chance
    assert dialogs == []


def test_claim_and_mark_replied_are_audited(page: Page, app_db: str, dialogs: list[str]) -> None:
    select_first_row(page)
    texts = detail_texts(page)
    facts_index = next(i for i, t in enumerate(texts) if t.count(" · @") == 1)
    channel, rest = texts[facts_index].split(" · @", 1)
    handle = rest.split(" ", 1)[0]
    post_text = texts[facts_index + 1]

    store = open_store(app_db)
    try:
        [mention] = [m for m in store.queue(QueueFilter(channels=[channel], text=handle))
                     if m.author_handle == handle and m.text.strip() == post_text]
        assert mention.status in ("new", "escalated")
        before = [a.id for a in store.audit_for(mention.id)]

        page.get_by_role("button", name="Claim").click()
        expect(page.get_by_text("Claimed: it's yours.")).to_be_visible()
        expect(page.get_by_test_id("stText").filter(has_text=f"claimed by {AGENT}")).to_be_visible()
        assert store.get(mention.id).status == "in_progress"

        reply = page.get_by_label("Reply", exact=True).input_value()
        assert reply.strip()
        page.get_by_role("button", name="Mark replied").click()
        expect(page.get_by_text("Dry run: reply recorded, nothing posted")).to_be_visible()  # the demo never posts

        audit = [a for a in store.audit_for(mention.id) if a.id not in before]
        assert [(a.actor, a.action, a.from_status, a.to_status) for a in audit] == [
            (AGENT, "claim", mention.status, "in_progress"),
            (AGENT, "mark_replied", "in_progress", "replied"),
        ]
        after = store.get(mention.id)
        assert after.status == "replied"
        assert after.first_response_at is not None
        assert [r.text for r in store.replies_for([mention.id]).get(mention.id, [])] == [reply]
    finally:
        store.dispose()
    assert dialogs == []
