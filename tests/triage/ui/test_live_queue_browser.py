"""Two agents signed in, in two browsers on the real dashboard: one claims, the other sees it live and cannot act.

Each browser signs in through a real local OpenID Connect provider (``tests/oidc_provider.py``);
``[roles]`` makes both agents by their domain. Needs ``/usr/bin/chromium``; skipped without it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app_server import CHROMIUM
from oidc_provider import oidc_provider, person, sign_in, signed_in_app
from triage.db.store import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,  # the detail drafts replies with the packaged encoder
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install -y chromium"),
]


def wait_idle(page: Page) -> None:
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1, timeout=90_000)


def sign_as(page: Page, app_url: str, link: str, email: str) -> None:
    """Sign in as ``email`` at the provider, then open the mention's link."""
    page.goto(app_url)
    sign_in(page, email)
    wait_idle(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="Selected mention")).to_be_visible(timeout=120_000)
    wait_idle(page)
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
    expect(page.get_by_role("button", name="Claim")).to_be_enabled()


def test_a_claim_appears_live_in_the_other_browser_which_cannot_act_on_it(demo_db_template: Path, tmp_path: Path,
                                                                         browser: Browser):
    db = tmp_path / "demo.db"
    shutil.copy(demo_db_template, db)
    url = f"sqlite:///{db}"
    config = tmp_path / "triage.toml"
    config.write_text('[queue]\nrefresh_seconds = 2\n\n[roles]\nagents = ["@lumora.example"]\n', encoding="utf-8")
    store = open_store(url)
    target = store.queue()[0]

    anna_address, marco_address = "anna@lumora.example", "marco@lumora.example"
    with oidc_provider([person(anna_address), person(marco_address)]) as provider, \
            signed_in_app(provider, url, tmp_path, config) as app:
        try:
            anna_context = browser.new_context(viewport={"width": 1400, "height": 900})
            marco_context = browser.new_context(viewport={"width": 1400, "height": 900})
            anna, marco = anna_context.new_page(), marco_context.new_page()
            for page in (anna, marco):
                page.set_default_timeout(30_000)
            link = f"{app.url}/?mention={target.id}"
            sign_as(anna, app.url, link, anna_address)
            sign_as(marco, app.url, link, marco_address)
            marco.get_by_label("Reply", exact=True).fill("Marco's half-written draft")
            marco.get_by_label("Reply", exact=True).press("Tab")
            wait_idle(marco)

            anna.get_by_role("button", name="Claim").click()
            expect(anna.get_by_text("Claimed: it's yours.")).to_be_visible()
            assert (store.get(target.id).status, store.get(target.id).assignee) == ("in_progress", anna_address)

            # Marco never reloads: the list refreshes itself, then his open mention says what happened.
            expect(marco.get_by_text(re.compile(r"Open per person: .*anna@lumora\.example 1\b"))).to_be_visible(
                timeout=30_000)
            changed = re.compile(r"Changed since you opened it: anna@lumora\.example claimed it .* ago")
            expect(marco.get_by_text(changed)).to_be_visible()
            expect(marco.get_by_text("anna@lumora.example is working on this mention.")).to_be_visible()
            expect(marco.get_by_role("button", name="Claim")).to_be_disabled()
            expect(marco.get_by_role("button", name="Mark replied")).to_be_disabled()
            expect(marco.get_by_label("Reply", exact=True)).to_have_value("Marco's half-written draft")
            assert [a.actor for a in store.audit_for(target.id)][-1:] == [anna_address]
        finally:
            for context in browser.contexts:
                context.close()
            store.dispose()
