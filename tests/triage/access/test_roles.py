"""Roles from [roles], teams from [teams], and the library's own refusal."""

import pytest

from triage.access.roles import Actor, access_of, as_actor, require
from triage.config.settings import parse_config
from triage.errors import AccessDenied, ConfigError

TEAM_CONFIG = parse_config({
    "roles": {
        "admins": ["ada@lumora.example"],
        "managers": ["marco@lumora.example"],
        "leads": ["giulia@lumora.example", "group:support-leads"],
        "agents": ["@lumora.example"],
    },
    "teams": {"billing": ["anna@lumora.example", "giulia@lumora.example"], "technical": ["luca@lumora.example"]},
})


def test_the_highest_matching_role_wins():
    access = access_of(TEAM_CONFIG)
    assert access.role_of("ada@lumora.example") == "admin"
    assert access.role_of("Marco@Lumora.example") == "manager"
    assert access.role_of("giulia@lumora.example") == "lead"
    assert access.role_of("anna@lumora.example") == "agent"  # by domain
    assert access.role_of("anna@lumora.example", groups=["support-leads"]) == "lead"
    assert access.role_of("someone@elsewhere.example") is None


def test_a_signed_in_actor_carries_role_and_teams():
    actor = access_of(TEAM_CONFIG).actor("Giulia@lumora.example")
    assert actor == Actor(name="giulia@lumora.example", role="lead", email="giulia@lumora.example",
                          teams=("billing",), signed_in=True)


def test_nobody_without_a_role_gets_in():
    with pytest.raises(AccessDenied, match=r"ask an admin to add the address"):
        access_of(TEAM_CONFIG).actor("stranger@elsewhere.example")


def test_an_agent_is_refused_what_only_a_lead_may_do():
    agent = access_of(TEAM_CONFIG).actor("anna@lumora.example")
    assert require(agent, "work_queue") is agent
    with pytest.raises(AccessDenied, match=r"anna@lumora.example is signed in as agent; only a lead"):
        require(agent, "assign")
    with pytest.raises(AccessDenied, match=r"only a manager"):
        require(agent, "see_reports")


def test_the_local_operator_may_do_everything():
    operator = as_actor("  giulia ")
    assert operator == Actor(name="giulia")
    assert all(operator.can(p) for p in ("assign", "export", "edit_sources", "manage_models"))


def test_team_members_and_unknown_teams():
    access = access_of(TEAM_CONFIG)
    assert access.members("technical") == ("luca@lumora.example",)
    with pytest.raises(ConfigError, match=r"no team named 'sales'.*teams: billing, technical"):
        access.members("sales")


def test_bad_roles_tables_name_the_key_to_fix():
    with pytest.raises(ConfigError, match=r"\[roles\] owners: unknown key"):
        access_of(parse_config({"roles": {"owners": ["a@b.example"]}}))
    with pytest.raises(ConfigError, match=r"\[roles\] agents must be a list of addresses"):
        access_of(parse_config({"roles": {"agents": 3}}))


def test_the_example_configuration_names_every_role():
    from pathlib import Path

    from triage.config.settings import load_config

    access = access_of(load_config(Path(__file__).resolve().parents[3] / "triage.example.toml"))
    assert set(access.roles) == {"agent", "lead", "manager", "admin"}
    assert access.actor("luca@lumora.example").teams == ("technical",)
