"""Make the README screenshot ``docs/queue.png``: the demo queue with its top mention selected.

    .venv/bin/python -m docs.make_screenshot [--output docs/queue.png]

Run it from the repository root as a module (as above), so that ``triage`` and
``tests/app_server.py`` (imported as ``tests.app_server``) come from the checkout.

Loads the demo data with the real sentiment model into a fresh SQLite file, runs the
dashboard (``streamlit run dashboard.py``) on a free local port and photographs it in
headless Chromium (Debian package ``chromium``, ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app
from triage.db.store import open_store
from triage.ingest.demo import load_demo
from triage.models.sentiment import load_sentiment_model

ROOT = Path(__file__).resolve().parent.parent

WIDTH, HEIGHT = 1400, 900
GRID_ROW_PX = 35  # st.dataframe header and row height; column 0 holds the row checkboxes


def demo_database(folder: Path) -> str:
    url = f"sqlite:///{folder / 'demo.db'}"
    store = open_store(url)
    try:
        result = load_demo(store, load_sentiment_model())
    finally:
        store.dispose()
    print(f"demo database: {result.mentions} mentions, {result.replies} replies", file=sys.stderr)
    return url


def screenshot(url: str, output: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(30_000)
            page.goto(url)
            expect(page.get_by_text("mentions, highest priority first")).to_be_visible(timeout=60_000)
            grid = page.get_by_test_id("stDataFrame").first
            expect(grid).to_be_visible()
            page.wait_for_timeout(1_000)
            box = grid.bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + GRID_ROW_PX / 2, box["y"] + GRID_ROW_PX * 1.5)
            expect(page.get_by_role("heading", name="Selected mention")).to_be_visible()
            expect(page.get_by_role("button", name="Mark replied")).to_be_visible(timeout=120_000)  # drafts load first
            page.mouse.move(WIDTH - 5, HEIGHT - 5)  # no hover toolbar over the table
            page.wait_for_timeout(1_500)  # let the last deltas and fonts settle
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "queue.png")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="ascolto-screenshot-") as folder:
        db_url = demo_database(Path(folder))
        with running_app(db_url, agent="giulia", extra_args=["--client.toolbarMode", "minimal"]) as app:
            screenshot(app.url, args.output)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
