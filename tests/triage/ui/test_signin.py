"""Who acts in the dashboard: the signed-in user and their role, or the single local user.

Driven by Streamlit's AppTest, whose ``at.user`` is what ``st.user`` reads: with ``is_logged_in``
in it the dashboard behaves as with ``[auth]`` configured (the real sign-in through a real
OIDC provider is in test_signin_browser.py).
"""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from oidc_provider import TEAM_ROLES as ROLES
from triage.ui.signin import SINGLE_USER, exposure_warning, groups_claim


@pytest.fixture
def team(demo_db_url, tmp_path, monkeypatch):
    """The dashboard on the demo data, with [roles] in its triage.toml; ``team(user)`` runs it as ``user``."""
    config = tmp_path / "triage.toml"
    config.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("TRIAGE_DB_URL", demo_db_url)
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    monkeypatch.setenv("TRIAGE_AGENT", "")

    def run(user: dict, page: str = "dashboard.py", secrets: dict | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / page), default_timeout=120)
        at.user = user
        at.secrets.update(secrets or {})
        at.query_params.update(query)
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def signed_in(email: str, **claims: object) -> dict:
    return {"is_logged_in": True, "email": email, "email_verified": True, **claims}


def sidebar_texts(at: AppTest) -> list[str]:
    return [t.value for t in at.sidebar.text]


def has_download(at: AppTest) -> bool:
    return any(e.proto.label == "Unanswered complaints (CSV)" for e in at.get("download_button"))


def test_nobody_signed_in_sees_only_the_sign_in_button(team):
    at = team({"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in"]
    assert [t.value for t in at.title] == ["Ascolto"]
    assert not at.dataframe


def test_several_providers_give_one_button_each(team):
    provider = {"client_id": "x", "client_secret": "y", "server_metadata_url": "https://sso.example/.well-known/x"}
    at = team({"is_logged_in": False}, secrets={"auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
                                                         "google": provider, "keycloak": provider}})
    assert [b.label for b in at.button] == ["Sign in with google", "Sign in with keycloak"]


def test_an_agent_works_the_queue_with_no_name_box_and_no_export(team):
    at = team(signed_in("anna@lumora.example"))
    assert at.title[0].value == "Queue"
    assert sidebar_texts(at) == ["Signed in as anna@lumora.example", "Role: agent"]
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert "Your name (agent)" not in [t.label for t in at.text_input]
    assert not has_download(at)


def test_a_manager_may_export(team):
    at = team(signed_in("marco@lumora.example"))
    assert sidebar_texts(at) == ["Signed in as marco@lumora.example", "Role: manager"]
    assert has_download(at)


def test_the_groups_claim_gives_a_role(team):
    at = team(signed_in("lena@partner.example", groups=["/support-leads"]))  # Keycloak's full group path
    assert sidebar_texts(at) == ["Signed in as lena@partner.example", "Role: lead"]


def test_someone_with_no_role_gets_one_line_and_sign_out(team):
    at = team(signed_in("eve@elsewhere.example"))
    assert [t.value for t in at.text] == [
        "eve@elsewhere.example has no role in Ascolto; ask an admin to add the address (or its @domain) "
        "to [roles] in triage.toml"]
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.dataframe


def test_an_address_the_provider_has_not_verified_is_refused(team):
    at = team(signed_in("ada@lumora.example", email_verified=False))
    assert [t.value for t in at.text] == [
        "ada@lumora.example is not verified at the sign-in provider; verify it there, then sign in again."]
    assert not at.dataframe


def test_a_page_opened_directly_refuses_a_role_without_it(team):
    at = team(signed_in("anna@lumora.example"), page="triage/ui/trends_page.py")
    assert [e.value for e in at.error] == ["Trends is not available to your role (agent)."]
    assert not at.metric
    at = team(signed_in("marco@lumora.example"), page="triage/ui/sources_page.py")
    assert [e.value for e in at.error] == ["Sources is not available to your role (manager)."]


def test_single_user_mode_says_so_and_keeps_the_name_from_the_address(team):
    at = team({"email": "test@example.com"}, agent="giulia")  # AppTest's default user: no [auth]
    assert SINGLE_USER in [c.value for c in at.sidebar.caption]
    assert at.text_input(key="agent").value == "giulia"
    at.text_input(key="agent").set_value("marco").run()
    assert at.query_params["agent"] == "marco"
    assert has_download(at)  # the single user is the local operator: everything


def test_groups_claim_accepts_a_list_or_one_name():
    assert groups_claim(["/support-leads", " billing "]) == ("support-leads", "billing")
    assert groups_claim("support-leads") == ("support-leads",)
    assert groups_claim(None) == ()


def test_the_dashboard_binds_to_localhost_and_hides_the_developer_toolbar():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["server"]["address"] == "localhost"
    assert settings["client"]["toolbarMode"] == "viewer"


def test_single_user_mode_warns_when_it_listens_beyond_this_computer():
    assert exposure_warning("localhost") is None and exposure_warning("127.0.0.1") is None
    assert exposure_warning("0.0.0.0").startswith("Listening on 0.0.0.0 without sign-in: anyone who can reach")
    assert exposure_warning("").startswith("Listening on every network interface without sign-in")
