"""Make ``docs/report.png``: the first page (the summary) of the PDF report on the demo data.

    .venv/bin/python -m docs.make_report_picture [--output docs/report.png]

Run it from the repository root as a module. It loads the demo data with the real models into
a fresh SQLite file, writes the last 30 days' report as PDF with ``triage.reports`` (the same
code as ``python -m triage report --format pdf``), opens that PDF in headless Chromium's own
PDF viewer (Debian package ``chromium``; fpdf2 cannot rasterise) and photographs its first page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS
from triage.config.settings import parse_config
from triage.context import Context
from triage.db.store import open_store
from triage.ingest.demo import load_demo
from triage.models.sentiment import load_sentiment_model
from triage.queue.period import preset_period
from triage.reports.files import build_report_file

ROOT = Path(__file__).resolve().parent.parent
TEAMS = {"billing": ["giulia", "anna"], "technical": ["luca", "marco"]}
A4_WIDTH, A4_HEIGHT = 794, 1123  # px at 96 dpi


def report_pdf(folder: Path) -> Path:
    store = open_store(f"sqlite:///{folder / 'demo.db'}")
    now = datetime.now(timezone.utc)
    try:
        load_demo(store, load_sentiment_model(), now=now)
        ctx = Context(store, parse_config({"teams": TEAMS}), {}, clock=lambda: now)
        report, content = build_report_file(ctx, "docs", preset_period("last_30_days", now.date()), "pdf")
    finally:
        store.dispose()
    path = folder / "report.pdf"
    path.write_bytes(content)
    print(f"{report.title}: {len(content)} bytes", file=sys.stderr)
    return path


def photograph(pdf: Path, output: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": A4_WIDTH, "height": A4_HEIGHT}, device_scale_factor=1.5)
        page.goto(f"file://{pdf}#toolbar=0&navpanes=0&view=FitH", wait_until="load")
        page.wait_for_timeout(3000)  # the viewer draws after load
        page.screenshot(path=str(output))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "report.png"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ascolto-report-") as folder:
        photograph(report_pdf(Path(folder)), Path(args.output))
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
