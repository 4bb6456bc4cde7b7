"""Who is at the keyboard: the signed-in user, or the one person using this computer.

With ``[auth]`` in ``.streamlit/secrets.toml`` (Streamlit's own OpenID Connect sign-in:
``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``, ``server_metadata_url``),
every page needs ``st.login()``. The provider's ``email`` claim (and its ``groups`` claim when
there is one) is matched against ``[roles]`` in triage.toml (``triage.access.roles``): the
``Actor`` it gives is who acts, and the audit trail records the address. Nobody with no role
gets past a one-line refusal and a "Sign out" button.

Without ``[auth]`` the dashboard is a single-user tool on this computer (it binds to
localhost, ``.streamlit/config.toml``): the sidebar says "not signed in", and the name typed
there is the local operator, who may do everything; it is kept in the page's address
(``?agent=``) so a reload remembers it.

Streamlit tells the two apart itself: ``st.user`` has ``is_logged_in`` only when ``[auth]``
is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from triage.access.roles import Actor, access_of, as_actor
from triage.config.environment import environment
from triage.config.settings import load_config
from triage.errors import AccessDenied, TriageError

SINGLE_USER = "Not signed in — single-user mode on this computer"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
NAME_PARAM = "agent"  # the query-string key that remembers the single user's name


def auth_configured() -> bool:
    """Whether ``[auth]`` is configured (Streamlit then puts ``is_logged_in`` in ``st.user``)."""
    return "is_logged_in" in st.user.to_dict()


def groups_claim(value: object) -> tuple[str, ...]:
    """The provider's ``groups`` claim as names: a list or one string; Keycloak's "/path" loses its slash."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        return ()
    return tuple(str(g).strip().lstrip("/") for g in value if str(g).strip())


def named_providers() -> list[str]:
    """The providers of ``[auth.<name>]`` tables (several sign-in choices); empty for one plain ``[auth]``."""
    try:
        section = st.secrets.get("auth", {})
    except FileNotFoundError:  # no secrets file (Streamlit's StreamlitSecretNotFoundError)
        return []
    return [name for name, value in section.items() if isinstance(value, Mapping)]


def _sign_in_screen() -> None:
    st.title("Ascolto")
    st.text("Sign in to work the queue.")
    choices: list[str | None] = [*named_providers()] or [None]
    for provider in choices:
        label = f"Sign in with {provider}" if provider else "Sign in"
        if st.button(label, type="primary", icon=":material/login:", key=f"sign-in-{provider or 'default'}"):
            st.login(provider)
    st.stop()


def _refuse(message: str) -> None:
    with st.container(border=True):
        st.text(message)  # literal: the address comes from the provider, never Markdown
    if st.button("Sign out", icon=":material/logout:", key="sign-out-refused"):
        st.logout()
    st.stop()


def signed_in_actor() -> Actor:
    """The signed-in user's ``Actor``; stops the page with a "Sign in" button when nobody is signed in,
    and with a one-line refusal and "Sign out" when ``[roles]`` gives them no role."""
    if not st.user.is_logged_in:
        _sign_in_screen()
    claims = st.user.to_dict()
    email = str(claims.get("email") or "").strip()
    if not email:
        _refuse("The sign-in provider sent no e-mail address; ask an admin to add the email scope to the client.")
    if claims.get("email_verified") is False:
        _refuse(f"{email} is not verified at the sign-in provider; verify it there, then sign in again.")
    try:
        return access_of(load_config()).actor(email, name=str(claims.get("name") or ""),
                                              groups=groups_claim(claims.get("groups")))
    except AccessDenied as exc:
        _refuse(str(exc))
    except TriageError as exc:  # a broken triage.toml: nobody can be given a role
        _refuse(f"Roles cannot be read: {exc}")
    raise AssertionError("unreachable: _refuse stops the script")


def local_name() -> str:
    """The single user's name: typed in the sidebar, else remembered in the address, else ``TRIAGE_AGENT``."""
    if NAME_PARAM not in st.session_state:
        st.session_state[NAME_PARAM] = str(st.query_params.get(NAME_PARAM) or environment().agent)
    return str(st.session_state[NAME_PARAM]).strip()


def current_actor() -> Actor:
    """Who acts on this page run: the signed-in user (``[auth]``), or the local operator named in the
    sidebar. Library calls take this ``Actor``; nothing typed on a page can change it when signed in."""
    if auth_configured():
        return signed_in_actor()
    return as_actor(local_name())


def exposure_warning(address: str | None) -> str | None:
    """What to say when the single-user dashboard listens beyond this computer (``server.address``)."""
    if address in LOOPBACK:
        return None
    where = f"on {address}" if address else "on every network interface"
    return (f"Listening {where} without sign-in: anyone who can reach this page can act under any name. "
            "Configure [auth] (README, 'Run for a team') or bind to localhost.")


def identity_sidebar(actor: Actor) -> None:
    """Who is signed in, their role and "Sign out"; or, single-user, the label and the name box."""
    if actor.signed_in:
        st.text(f"Signed in as {actor.email}")  # literal: a claim is never Markdown
        teams = f" · teams: {', '.join(actor.teams)}" if actor.teams else ""
        st.text(f"Role: {actor.role}{teams}")
        if st.button("Sign out", icon=":material/logout:", key="sign-out"):
            st.logout()
        return
    st.caption(SINGLE_USER)
    warning = exposure_warning(str(st.get_option("server.address") or ""))
    if warning:
        st.warning(warning, icon=":material/public:")
    local_name()  # seeds the box from the address or TRIAGE_AGENT on the first run
    st.text_input("Your name (agent)", key=NAME_PARAM, placeholder="e.g. giulia",
                  help="Anyone who can open this page can type any name: for a team, configure [auth] "
                       "(README, 'Run for a team').")
    name = str(st.session_state.get(NAME_PARAM, "")).strip()
    if name and st.query_params.get(NAME_PARAM) != name:
        st.query_params[NAME_PARAM] = name  # a reload finds it in the address
    elif not name and NAME_PARAM in st.query_params:
        del st.query_params[NAME_PARAM]


def require_page(permission: str, what: str) -> Actor:
    """The actor, when their role may ``permission``; else the page shows a one-line refusal and stops
    (a page that is not in a role's menu refuses too when its address is opened directly)."""
    actor = current_actor()
    if not actor.can(permission):
        st.error(f"{what} is not available to your role ({actor.role}).", icon=":material/block:")
        st.stop()
    return actor
