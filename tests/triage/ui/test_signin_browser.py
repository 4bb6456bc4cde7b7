"""Signing in to the real dashboard, in headless Chromium, through a real OpenID Connect provider.

The dashboard runs with ``[auth]`` pointing at ``oidc-provider-mock`` on localhost
(tests/oidc_provider.py) and ``[roles]`` in its triage.toml; each person signs in in a
browser context of their own, as on two computers. Without ``[auth]`` it is the single-user
tool. Needs ``/usr/bin/chromium``; skipped without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app_server import CHROMIUM, running_app
from oidc_provider import TEAM_ROLES as ROLES
from oidc_provider import oidc_provider, person, sign_in, signed_in_app
from triage.db.store import QueueFilter, open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install -y chromium"),
]

PEOPLE = [
    person("anna@lumora.example"),  # an agent (by domain)
    person("marco@lumora.example"),  # a manager
    person("lena@partner.example", groups=["support-leads"]),  # a lead through the provider's groups claim
    person("eve@elsewhere.example"),  # nobody in [roles]
]
COUNT_TEXT = re.compile(r"mentions, highest priority first")


@pytest.fixture(scope="module")
def app_url(app_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("signin-config")
    config = folder / "triage.toml"
    config.write_text(ROLES, encoding="utf-8")
    with oidc_provider(PEOPLE) as provider, signed_in_app(provider, app_db, folder, config) as app:
        yield app.url


@pytest.fixture
def as_person(browser: Browser, app_url: str) -> Iterator[Callable[[str], Page]]:
    """``as_person(email)``: a fresh browser context (its own cookies) signed in as ``email``."""
    contexts = []

    def open_as(email: str) -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(app_url)
        sign_in(page, email)
        return page

    yield open_as
    for context in contexts:
        context.close()


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def expect_signed_in(page: Page, email: str, role: str) -> None:
    expect(sidebar(page).get_by_text(f"Signed in as {email}", exact=True)).to_be_visible(timeout=60_000)
    expect(sidebar(page).get_by_text(f"Role: {role}", exact=True)).to_be_visible()


def test_an_agent_and_a_manager_see_the_pages_their_roles_allow(as_person, app_url: str) -> None:
    agent = as_person("anna@lumora.example")
    manager = as_person("marco@lumora.example")

    expect_signed_in(agent, "anna@lumora.example", "agent")
    expect(agent.get_by_text(COUNT_TEXT)).to_be_visible(timeout=60_000)
    expect(sidebar(agent).get_by_role("button", name="Sign out")).to_be_visible()
    expect(agent.get_by_role("textbox", name="Your name (agent)")).to_have_count(0)  # the address acts
    expect(agent.get_by_role("link", name="Trends")).to_have_count(0)
    expect(agent.get_by_role("link", name="Sources")).to_have_count(0)
    expect(agent.get_by_role("button", name="Unanswered complaints (CSV)")).to_have_count(0)

    expect_signed_in(manager, "marco@lumora.example", "manager")
    expect(manager.get_by_text(COUNT_TEXT)).to_be_visible(timeout=60_000)
    expect(manager.get_by_role("button", name="Unanswered complaints (CSV)")).to_be_visible()
    expect(manager.get_by_role("link", name="Sources")).to_have_count(0)  # admins only
    manager.get_by_role("link", name="Trends").click()
    expect(manager.get_by_role("heading", name="Trends", exact=True)).to_be_visible(timeout=60_000)
    expect(manager.get_by_role("heading", name="Suggestion acceptance")).to_be_visible(timeout=60_000)  # rendered

    for path in ("trends_page", "sources_page"):  # the address of a page the agent's role has not
        agent.goto(f"{app_url}/{path}")
        expect(agent.get_by_text("Page not found")).to_be_visible(timeout=60_000)
        expect(agent.get_by_role("heading", name="Queue", exact=True)).to_be_visible()
        expect(agent.get_by_role("heading", name="Trends", exact=True)).to_have_count(0)
        expect(agent.get_by_role("heading", name="Sources", exact=True)).to_have_count(0)


def test_a_role_from_the_groups_claim(as_person) -> None:
    expect_signed_in(as_person("lena@partner.example"), "lena@partner.example", "lead")


def test_someone_without_a_role_gets_one_line_and_signs_out(as_person) -> None:
    page = as_person("eve@elsewhere.example")
    expect(page.get_by_text("eve@elsewhere.example has no role in Ascolto; ask an admin to add the address "
                            "(or its @domain) to [roles] in triage.toml", exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_text(COUNT_TEXT)).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()  # the provider's own sign-out page
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)


@pytest.mark.model  # opening a mention drafts replies with the packaged encoder
def test_the_audit_trail_records_the_signed_in_address(as_person, app_url: str, app_db: str) -> None:
    store = open_store(app_db)
    try:
        mention = next(m for m in store.queue(QueueFilter(statuses=["new"])) if not m.assignee)
        page = as_person("anna@lumora.example")
        expect_signed_in(page, "anna@lumora.example", "agent")
        page.goto(f"{app_url}/?mention={mention.id}")  # the mention's own link
        expect(page.get_by_role("heading", name="Selected mention")).to_be_visible(timeout=90_000)
        claim_button = page.get_by_role("button", name="Claim")
        expect(claim_button).to_be_enabled(timeout=180_000)  # after the drafts (the encoder loads once)
        claim_button.click()
        expect(page.get_by_text("Claimed: it's yours.")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stText").filter(has_text="claimed by anna@lumora.example")).to_be_visible()
        [claim] = [a for a in store.audit_for(mention.id) if a.action == "claim"]
        assert (claim.actor, claim.to_status) == ("anna@lumora.example", "in_progress")
        assert store.get(mention.id).assignee == "anna@lumora.example"
    finally:
        store.dispose()


def test_without_auth_the_single_user_is_labelled_and_remembered(browser: Browser, app_db: str) -> None:
    with running_app(app_db, agent="") as app:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(app.url)
            expect(sidebar(page).get_by_text("Not signed in — single-user mode on this computer")).to_be_visible(
                timeout=60_000)
            expect(page.get_by_role("button", name="Deploy")).to_have_count(0)  # client.toolbarMode = "viewer"
            expect(page.get_by_role("link", name="Trends")).to_be_visible()  # the single user may do everything
            expect(page.get_by_role("link", name="Sources")).to_be_visible()
            box = page.get_by_role("textbox", name="Your name (agent)")
            box.fill("giulia")
            box.press("Enter")
            page.wait_for_url(re.compile(r"[?&]agent=giulia\b"), timeout=60_000)
            page.reload()
            expect(page.get_by_role("textbox", name="Your name (agent)")).to_have_value("giulia", timeout=60_000)
        finally:
            context.close()
