"""One reader for the small typed tables of triage.toml ([notify], [alerts]): unknown keys and wrong types
are refused with a line naming the table and the key."""

from __future__ import annotations

import pytest

from triage.config.settings import is_whole, parse_config, typed_table
from triage.errors import ConfigError
from triage.notify.channels import notify_settings
from triage.queue.alerts import alert_settings

KNOWN = ("on", "size")


def test_a_typed_table_reads_its_keys_with_defaults():
    table = typed_table(parse_config({"demo": {"on": False}}), "demo", KNOWN)
    assert table.flag("on", True) is False
    assert table.get("size", 3, is_whole, "a whole number") == 3


def test_an_unknown_key_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"\[demo\] colour: unknown key; known keys: on, size$"):
        typed_table(parse_config({"demo": {"colour": "red"}}), "demo", KNOWN)


def test_a_wrong_type_names_the_key_and_shows_the_value_when_asked():
    table = typed_table(parse_config({"demo": {"on": "yes", "size": True}}), "demo", KNOWN)
    with pytest.raises(ConfigError, match=r"\[demo\] on must be true or false$"):
        table.flag("on", True)
    with pytest.raises(ConfigError, match=r"\[demo\] on must be true or false, not 'yes'$"):
        table.flag("on", True, show_value=True)
    with pytest.raises(ConfigError, match=r"\[demo\] size must be a whole number$"):
        table.get("size", 3, is_whole, "a whole number")


def test_notify_and_alerts_keep_their_messages():
    with pytest.raises(ConfigError, match=r"\[notify\] webhook must be true or false, not 'yes'$"):
        notify_settings(parse_config({"notify": {"webhook": "yes"}}))
    with pytest.raises(ConfigError, match=r"\[notify\] smtp_port must be a port number, not 70000$"):
        notify_settings(parse_config({"notify": {"smtp_port": 70000}}))
    with pytest.raises(ConfigError, match=r"\[notify\] smtp_host and smtp_from must be strings$"):
        notify_settings(parse_config({"notify": {"smtp_host": 1}}))
    with pytest.raises(ConfigError, match=r"\[alerts\] sla must be true or false$"):
        alert_settings(parse_config({"alerts": {"sla": 1}}))
    hours = r"\[alerts\] spike_window_hours must be a number of hours above 0, e\.g\. 24$"
    with pytest.raises(ConfigError, match=hours):
        alert_settings(parse_config({"alerts": {"spike_window_hours": 0}}))
