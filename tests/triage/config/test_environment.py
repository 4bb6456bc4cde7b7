"""Every TRIAGE_* variable is read in one place, when it is needed."""

from __future__ import annotations

from dataclasses import fields

from triage.config.environment import Environment, environment
from triage.db.store import DEFAULT_DB_URL, resolve_url


def test_each_field_is_a_triage_variable_and_unset_means_empty():
    env = environment({"TRIAGE_DB_URL": "sqlite:///x.db", "TRIAGE_LLM_TIMEOUT": "5", "HOME": "/home/giulia"})
    assert (env.db_url, env.llm_timeout, env.signature, env.int8) == ("sqlite:///x.db", "5", "", None)
    assert Environment.variable("sentiment_model") == "TRIAGE_SENTIMENT_MODEL"
    assert all(Environment.variable(f.name).startswith("TRIAGE_") for f in fields(Environment))


def test_int8_is_on_off_or_left_to_the_model_card():
    assert environment({"TRIAGE_INT8": "1"}).int8 is True
    assert environment({"TRIAGE_INT8": "0"}).int8 is False
    assert environment({"TRIAGE_INT8": "yes"}).int8 is None


def test_the_environment_is_read_at_call_time(monkeypatch):
    monkeypatch.delenv("TRIAGE_DB_URL", raising=False)
    assert resolve_url() == DEFAULT_DB_URL
    monkeypatch.setenv("TRIAGE_DB_URL", "sqlite:///elsewhere.db")
    assert resolve_url() == "sqlite:///elsewhere.db"
