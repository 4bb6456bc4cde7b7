"""Roles, teams and the actor behind every action.

Four roles, each allowed what the one before it is: an ``agent`` works the queue (claim,
reply, escalate, ignore, correct labels); a ``lead`` also assigns to others and answers
groups; a ``manager`` also sees Trends and reports and exports; an ``admin`` also edits
sources, settings and models.

Roles come from ``[roles]`` in triage.toml, matched against the signed-in e-mail address::

    [roles]
    admins   = ["ada@lumora.example"]
    managers = ["marco@lumora.example"]
    leads    = ["giulia@lumora.example", "group:support-leads"]
    agents   = ["@lumora.example"]          # a leading "@" is a whole domain

An entry is an address, ``@domain`` or ``group:<name>`` (a group in the provider's
``groups`` claim); the highest role with a matching entry wins; nobody matched is refused.
Teams come from ``[teams]``: ``billing = ["anna@lumora.example", "luca@lumora.example"]``.

The library checks permissions itself (``require``), not only the dashboard. Functions
that take ``who: Who`` accept an ``Actor`` (signed in, with a role) or a plain name: a
plain name is the local, trusted operator (the command line, or the dashboard without
``[auth]``), who may do everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.config.settings import Config
from triage.errors import AccessDenied, ConfigError

ROLES: tuple[str, ...] = ("agent", "lead", "manager", "admin")
_ROLE_KEYS = {"agents": "agent", "leads": "lead", "managers": "manager", "admins": "admin"}

PERMISSIONS: dict[str, str] = {
    "work_queue": "agent",  # claim, reply, escalate, ignore, release, reopen, correct labels
    "assign": "lead",  # assign a mention to someone else or to a team
    "answer_group": "lead",  # one reply to every member of an incident
    "see_reports": "manager",  # Trends, reports, the Model page
    "export": "manager",  # downloads and report files
    "edit_sources": "admin",  # sources, listeners, settings
    "manage_models": "admin",  # train, promote, roll back models
}
"""Each permission and the lowest role that has it."""

_DOING = {
    "work_queue": "work the queue",
    "assign": "assign mentions to others",
    "answer_group": "answer a whole group",
    "see_reports": "see reports and trends",
    "export": "export data",
    "edit_sources": "edit sources and settings",
    "manage_models": "train or promote models",
}


@dataclass(frozen=True)
class Actor:
    """Who does something: the name the audit trail records, their role and teams.

    ``signed_in`` is False for the local operator (command line, dashboard without ``[auth]``).
    """

    name: str
    role: str = "admin"
    email: str = ""
    teams: tuple[str, ...] = ()
    signed_in: bool = False

    def can(self, permission: str) -> bool:
        """Whether this actor's role includes ``permission`` (a key of ``PERMISSIONS``)."""
        return ROLES.index(self.role) >= ROLES.index(PERMISSIONS[permission])


Who = Actor | str
"""An actor, or the plain name of the local trusted operator."""


def as_actor(who: Who) -> Actor:
    """``who`` as an ``Actor``: a plain name is the local operator (role admin, not signed in)."""
    return who if isinstance(who, Actor) else Actor(name=who.strip())


def name_of(who: Who) -> str:
    """The name the audit trail records for ``who``."""
    return as_actor(who).name


def require(who: Who, permission: str) -> Actor:
    """``who`` as an actor, or ``AccessDenied`` when their role does not include ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}; known: {', '.join(PERMISSIONS)}")
    actor = as_actor(who)
    if not actor.can(permission):
        needed = PERMISSIONS[permission]
        article = "an" if needed[0] in "aeiou" else "a"
        raise AccessDenied(f"{actor.name} is signed in as {actor.role}; only {article} {needed} or above may "
                           f"{_DOING[permission]} (ask an admin to change [roles] in triage.toml)")
    return actor


@dataclass(frozen=True)
class Access:
    """``[roles]`` and ``[teams]`` of triage.toml, ready to match signed-in users."""

    roles: Mapping[str, tuple[str, ...]]  # role -> entries (address, @domain, group:name)
    teams: Mapping[str, tuple[str, ...]]  # team -> member addresses

    def role_of(self, email: str, groups: Iterable[str] = ()) -> str | None:
        """The highest role whose entries match ``email`` or one of ``groups``; None when none does."""
        email = email.strip().lower()
        domain = "@" + email.rpartition("@")[2] if "@" in email else None
        wanted = {email} | ({domain} if domain else set()) | {f"group:{g.strip().lower()}" for g in groups}
        for role in reversed(ROLES):
            if wanted & set(self.roles.get(role, ())):
                return role
        return None

    def teams_of(self, email: str) -> tuple[str, ...]:
        email = email.strip().lower()
        return tuple(team for team, members in self.teams.items() if email in members)

    def actor(self, email: str, name: str = "", groups: Iterable[str] = ()) -> Actor:
        """The signed-in actor for ``email``; ``AccessDenied`` when ``[roles]`` gives them no role."""
        role = self.role_of(email, groups)
        if role is None:
            raise AccessDenied(f"{email or 'this account'} has no role in Ascolto; ask an admin to add the "
                               "address (or its @domain) to [roles] in triage.toml")
        return Actor(name=email.strip().lower() or name, role=role, email=email.strip().lower(),
                     teams=self.teams_of(email), signed_in=True)

    def members(self, team: str) -> tuple[str, ...]:
        """The addresses in ``team``; ``ConfigError`` naming the known teams when there is no such team."""
        if team not in self.teams:
            known = ", ".join(sorted(self.teams)) or "none configured"
            raise ConfigError(f"no team named '{team}' in [teams] of triage.toml; teams: {known}")
        return self.teams[team]


def access_of(config: Config) -> Access:
    """Read ``[roles]`` and ``[teams]`` (both optional) from ``config``; errors name the key to fix."""
    where = config.where
    roles: dict[str, tuple[str, ...]] = {}
    for key, value in config.section("roles").items():
        if key not in _ROLE_KEYS:
            raise ConfigError(f"{where}: [roles] {key}: unknown key; use {', '.join(_ROLE_KEYS)}")
        roles[_ROLE_KEYS[key]] = _entries(value, f"{where}: [roles] {key}")
    teams = {name: _entries(value, f"{where}: [teams] {name}") for name, value in config.section("teams").items()}
    return Access(roles, teams)


def _entries(value: Any, label: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{label} must be a list of addresses, e.g. ["ada@lumora.example", "@lumora.example"]')
    return tuple(v.strip().lower() for v in value if v.strip())
