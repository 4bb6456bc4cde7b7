"""``triage.toml``: where it is found, what it yields, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from fake_listeners import no_sdk_kind  # noqa: F401  (fixture)
from listeners.registry import LISTENERS
from triage.config.settings import CONFIG_ENV, ConfigError, load_config

GOOD = """
[brand]
name = "Lumora"
keywords = ["lumora", "#LumoraDown"]
signature = "^GB"

[sending]
dry_run = false

[listen]
max_wait_seconds = 120
attempts = 3

[sources.imports]
kind = "files"
folder = "inbox"

[sources.exports]
kind = "files"
folder = "exports"
keywords = ["lumora fibra"]
enabled = false

[priority]
negative = 35

[replies]
endpoint = "http://127.0.0.1:8000/v1"
"""


def write(tmp_path: Path, text: str, name: str = "triage.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_file_gives_brand_sources_and_settings(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.brand.name == "Lumora" and config.brand.signature == "^GB"
    assert config.brand.keywords == ("lumora", "#LumoraDown")
    assert config.dry_run is False
    assert config.listen.max_wait_seconds == 120 and config.listen.attempts == 3
    assert config.listen.rate_limit_retries == 3  # unset keys keep their defaults
    imports, exports = config.sources
    assert (imports.name, imports.kind, imports.enabled) == ("imports", "files", True)
    assert imports.options == {"folder": "inbox", "keywords": ["lumora", "#LumoraDown"]}  # the brand's keywords
    assert exports.options["keywords"] == ["lumora fibra"] and not exports.enabled  # its own keywords win
    assert [s.name for s in config.enabled_sources] == ["imports"]
    assert config.section("priority") == {"negative": 35}
    assert config.section("replies")["endpoint"].startswith("http://127.0.0.1")
    assert config.section("absent") == {}


def test_where_the_file_is_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    defaults = load_config()
    assert defaults.path is None and defaults.sources == () and defaults.dry_run is None

    write(tmp_path, GOOD)  # ./triage.toml
    assert load_config().path == Path("triage.toml")

    elsewhere = write(tmp_path, '[brand]\nname = "Other"\n', "other.toml")
    monkeypatch.setenv(CONFIG_ENV, str(elsewhere))
    assert load_config().brand.name == "Other"
    assert load_config(tmp_path / "triage.toml").brand.name == "Lumora"  # --config wins over the variable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[brand]\nname = "Lumora\n', "invalid TOML: Illegal character '\\n' (at line 2, column 15)"),
        ('[sources.a]\nkind = "twitter"\n', "[sources.a]: unknown kind 'twitter'; known kinds: "),
        ('[sources.a]\nfolder = "x"\n', "[sources.a]: missing required key 'kind'"),
        ('[sources.a]\nkind = "files"\n', "[sources.a]: missing required key 'folder' for kind 'files'"),
        ('[sources.a]\nkind = "files"\nfolder = "x"\nenabled = "yes"\n', "enabled must be true or false"),
        ('[sending]\ndry_run = "no"\n', "[sending] dry_run must be true or false"),
        ('[brand]\nkeywords = "lumora"\nname = 3\n', "[brand] name must be a str"),
        ('[listen]\nattempts = -1\n', "[listen] attempts must be a number of at least 0"),
        ('[listeners]\nmodules = ["no_such_module_here"]\n', "cannot import 'no_such_module_here'"),
        ("sources = 3\n", "'sources' must be a table"),
    ],
)
def test_mistakes_are_one_line_naming_the_file(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(str(path)) and expected in message
    assert "\n" not in message


def test_an_unknown_kind_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, '[sources.a]\nkind = "myspace"\n'))
    assert str(error.value).endswith("known kinds: " + ", ".join(sorted(LISTENERS)))


def test_a_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="does not exist; copy triage.example.toml"):
        load_config(tmp_path / "nope.toml")


def test_the_example_file_loads_and_covers_every_listener_kind():
    config = load_config(ROOT / "triage.example.toml")
    assert {s.kind for s in config.sources} == set(LISTENERS)
    assert config.brand.keywords and config.dry_run is True
    for source in config.sources:
        assert source.options.get("keywords"), f"{source.name} gets the brand's keywords"


def test_listener_modules_add_kinds_through_the_registry(tmp_path, monkeypatch):
    monkeypatch.setattr("listeners.registry.LISTENERS", dict(LISTENERS))
    text = ('[listeners]\nmodules = ["crash_listener"]\n'
            '[sources.c]\nkind = "crash_test"\ntotal = 1\npage_size = 1\ncrash_at_batch = 9\n'
            'crash_when = "after_commit"\nmarker = "m"\n')
    config = load_config(write(tmp_path, text))
    assert config.source("c").kind == "crash_test"
    with pytest.raises(ConfigError, match="no source named 'd' in .*triage.toml; sources: c$"):
        config.source("d")


def test_a_kind_whose_sdk_is_missing_still_has_its_required_keys_checked(tmp_path, no_sdk_kind):
    with pytest.raises(ConfigError, match=r"\[sources.a\]: missing required key 'board' for kind 'no_sdk'$"):
        load_config(write(tmp_path, '[sources.a]\nkind = "no_sdk"\n'))
    config = load_config(write(tmp_path, '[sources.a]\nkind = "no_sdk"\nboard = "general"\n'))
    assert config.source("a").options == {"board": "general"}  # it loads; listening disables it


def test_at_least_one_of_a_tuple_of_keys_is_required(tmp_path):
    with pytest.raises(ConfigError, match="missing required key 'query' or 'user_id' or 'keywords' for kind 'x'"):
        load_config(write(tmp_path, '[sources.a]\nkind = "x"\n'))
    assert load_config(write(tmp_path, '[sources.a]\nkind = "x"\nuser_id = "12"\n')).source("a").kind == "x"
