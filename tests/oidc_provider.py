"""A real OpenID Connect provider on localhost, and the dashboard signed in through it.

``oidc-provider-mock`` runs a real OIDC server (Flask/werkzeug, discovery document, JWKS,
signed ID tokens) in a thread; its authorize page has one button per predefined user, so a
test signs in as anyone by clicking their address. The dashboard is the real one
(``tests/app_server.running_app``) with an ``[auth]`` block in a secrets file of its own
(``--secrets.files``), exactly as a team deployment has in ``.streamlit/secrets.toml``.

    with oidc_provider([person("anna@lumora.example")]) as provider, \\
            signed_in_app(provider, db_url, tmp_path, config_path) as app:
        page.goto(app.url)
        sign_in(page, "anna@lumora.example")

Reused by the sign-in tests (tests/triage/ui/test_signin_browser.py) and anyone who needs
two people in two browser contexts.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import authlib.deprecate  # noqa: F401  # first: it installs its own "always" filter on import

with warnings.catch_warnings():  # the mock still imports authlib.jose, which Authlib deprecates
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Page, expect

from app_server import RunningApp, running_app

CLIENT_ID = "ascolto-tests"
CLIENT_SECRET = "not-a-real-secret"
TEAM_ROLES = """
[roles]
admins = ["ada@lumora.example"]
managers = ["marco@lumora.example"]
leads = ["group:support-leads"]
agents = ["@lumora.example"]
"""
"""The sign-in tests' team: an admin and a manager by address, leads by a groups claim, agents by domain."""


def person(email: str, groups: Sequence[str] = (), name: str = "", **claims: object) -> User:
    """A user the provider offers on its authorize page: ``email`` (also the subject), ``groups`` claim."""
    all_claims: dict[str, object] = {"email": email, "email_verified": True, "name": name or email.split("@")[0]}
    if groups:
        all_claims["groups"] = list(groups)
    all_claims.update(claims)
    return User(sub=email, claims=all_claims)


@dataclass(frozen=True)
class OidcProvider:
    url: str  # the issuer, http://localhost:PORT

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def secrets_toml(self) -> str:
        """The ``[auth]`` block Streamlit's ``st.login`` reads (``{port}`` is the dashboard's own port)."""
        return (
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{self.metadata_url}"\n'
        )


@contextmanager
def oidc_provider(users: Sequence[User]) -> Iterator[OidcProvider]:
    """The provider on a free localhost port until the block ends, offering ``users``."""
    with run_server_in_thread(user_claims=list(users)) as server:
        yield OidcProvider(f"http://localhost:{server.server_port}")


@contextmanager
def signed_in_app(provider: OidcProvider, db_url: str, folder: Path, config: Path | None = None,
                  **env: str) -> Iterator[RunningApp]:
    """The real dashboard with ``[auth]`` pointing at ``provider``; ``config`` is its triage.toml ([roles])."""
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(provider.secrets_toml(), encoding="utf-8")
    extra_env = {"TRIAGE_SECRETS_FILE": str(secrets_file), "TRIAGE_AGENT": "", **env}
    if config is not None:
        extra_env["TRIAGE_CONFIG"] = str(config)
    with running_app(db_url, agent="", extra_env=extra_env, extra_args=["--secrets.files", str(secrets_file)]) as app:
        yield app


def sign_in(page: Page, email: str) -> None:
    """On the dashboard's sign-in screen: "Sign in", then choose ``email`` on the provider's page."""
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name=email, exact=True).click()
    page.wait_for_url("http://127.0.0.1:*/**", timeout=30_000)
