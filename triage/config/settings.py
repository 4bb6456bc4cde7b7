"""``triage.toml``: the brand, the sources to listen on, and how replies are sent.

Where it is read from: ``--config PATH``, else ``$TRIAGE_CONFIG``, else ``triage.toml`` in
the working directory when present, else built-in defaults (no sources, dry-run sending).
``triage.example.toml`` at the repository root documents every key.

Credentials never live here: see ``triage.config.secrets``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.config.environment import Environment, environment
from triage.errors import ConfigError, TriageError

CONFIG_ENV = Environment.variable("config")
DEFAULT_CONFIG_FILE = "triage.toml"
SOURCE_NAME_MAX = 64  # sources.name in the database

@dataclass(frozen=True)
class Competitor:
    """A competitor of ``[brand.competitors]``: its name and the keywords that mean it."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Brand:
    """Who we listen for: the name, the keywords every source searches by default, a signature,
    and the competitors whose keywords the sources also search (share of voice)."""

    name: str = ""
    keywords: tuple[str, ...] = ()
    signature: str = ""
    competitors: tuple[Competitor, ...] = ()

    @property
    def search_keywords(self) -> tuple[str, ...]:
        """The brand's keywords, then every competitor's: what a source searches unless it sets its own."""
        found = list(self.keywords)
        for competitor in self.competitors:
            found += [k for k in competitor.keywords if k not in found]
        return tuple(found)


@dataclass(frozen=True)
class SourceConfig:
    """One ``[sources.<name>]`` table: the listener kind, whether it runs, and its own keys."""

    name: str
    kind: str
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListenSettings:
    """How the listen runner treats rate limits and failures (``[listen]``)."""

    max_wait_seconds: float = 900.0  # a rate limit asking for longer ends the run; the next run resumes
    rate_limit_retries: int = 3  # waits per source per run
    attempts: int = 4  # tries per source per run on 5xx/network errors
    backoff_seconds: float = 2.0  # first wait between those tries; doubles each time
    backoff_max_seconds: float = 60.0


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``section(name)`` gives any other table (``priority``, ``replies``...)."""

    path: Path | None = None
    brand: Brand = field(default_factory=Brand)
    sources: tuple[SourceConfig, ...] = ()
    dry_run: bool | None = None  # None: not set, see ``triage.replies.sending.is_dry_run``
    listen: ListenSettings = field(default_factory=ListenSettings)
    listener_modules: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """The ``[name]`` table as a dict (empty when absent)."""
        value = self.data.get(name, {})
        return dict(value) if isinstance(value, Mapping) else {}

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named '{name}' in {self.where}; sources: {known}")

    @property
    def enabled_sources(self) -> tuple[SourceConfig, ...]:
        return tuple(s for s in self.sources if s.enabled)

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "the built-in defaults (no triage.toml)"


@dataclass(frozen=True)
class TypedTable:
    """One ``[name]`` table of triage.toml read key by key; each reader's ``ConfigError`` names the key to fix."""

    values: Mapping[str, Any]
    where: str  # "<file>: [name]"

    def wrong(self, key: str, must: str) -> ConfigError:
        """``<file>: [name] <key> must be <must>``."""
        return ConfigError(f"{self.where} {key} must be {must}")

    def get(self, key: str, default: Any, ok: Callable[[Any], bool], must: str, show_value: bool = False) -> Any:
        """The value of ``key`` (``default`` when absent), refused unless ``ok(value)``; ``show_value`` adds
        ``, not <value>`` to the error."""
        value = self.values.get(key, default)
        if not ok(value):
            raise self.wrong(key, f"{must}, not {value!r}" if show_value else must)
        return value

    def flag(self, key: str, default: bool, show_value: bool = False) -> bool:
        """A ``true``/``false`` key."""
        return bool(self.get(key, default, lambda v: isinstance(v, bool), "true or false", show_value))


def is_whole(value: Any) -> bool:
    """An integer, and not a boolean (TOML's ``true`` is not a count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An integer or a float, and not a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def typed_table(config: Config, name: str, known: Collection[str]) -> TypedTable:
    """``[name]`` of ``config``, refusing a key not in ``known`` (the fields of its settings dataclass)."""
    table = config.section(name)
    where = f"{config.where}: [{name}]"
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{where} {unknown[0]}: unknown key; known keys: {', '.join(sorted(known))}")
    return TypedTable(table, where)


def config_path(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The file to read: ``path``, else ``$TRIAGE_CONFIG``, else ``./triage.toml`` if present, else None."""
    if path:
        return Path(path)
    configured = environment().config
    if configured:
        return Path(configured)
    local = Path(DEFAULT_CONFIG_FILE)
    return local if local.is_file() else None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and check the configuration (see the module docstring for where it comes from)."""
    chosen = config_path(path)
    if chosen is None:
        return Config()
    if not chosen.is_file():
        raise ConfigError(f"config file {chosen} does not exist; "
                          f"copy triage.example.toml there or fix --config/{CONFIG_ENV}")
    try:
        with chosen.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {chosen}: {exc}") from None
    return parse_config(data, chosen)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    """Build a ``Config`` from already-parsed TOML; errors name ``path`` and the offending key."""
    where = str(path) if path else "config"
    brand_table = _table(data, "brand", where)
    brand = Brand(
        name=_typed(brand_table, "name", str, "", f"{where}: [brand]"),
        keywords=tuple(_string_list(brand_table.get("keywords", []), f"{where}: [brand] keywords")),
        signature=_typed(brand_table, "signature", str, "", f"{where}: [brand]"),
        competitors=_competitors(brand_table.get("competitors", {}), f"{where}: [brand.competitors]"),
    )
    sending = _table(data, "sending", where)
    dry_run = sending.get("dry_run")
    if dry_run is not None and not isinstance(dry_run, bool):
        raise ConfigError(f"{where}: [sending] dry_run must be true or false, not {dry_run!r}")

    listen_table = _table(data, "listen", where)
    defaults = ListenSettings()
    listen = ListenSettings(
        max_wait_seconds=_number(listen_table, "max_wait_seconds", defaults.max_wait_seconds, where),
        rate_limit_retries=int(_number(listen_table, "rate_limit_retries", defaults.rate_limit_retries, where)),
        attempts=max(1, int(_number(listen_table, "attempts", defaults.attempts, where))),
        backoff_seconds=_number(listen_table, "backoff_seconds", defaults.backoff_seconds, where),
        backoff_max_seconds=_number(listen_table, "backoff_max_seconds", defaults.backoff_max_seconds, where),
    )

    listeners_table = _table(data, "listeners", where)
    modules = tuple(_string_list(listeners_table.get("modules", []), f"{where}: [listeners] modules"))
    register_listener_modules(modules, where)

    sources = tuple(
        _source(name, table, brand, where) for name, table in _table(data, "sources", where).items()
    )
    return Config(path, brand, sources, dry_run, listen, modules, dict(data))


def register_listener_modules(modules: Sequence[str], where: str = "config") -> None:
    """Import each module and register the ``Listener`` classes it defines (a ``kind`` set).

    This is how a deployment adds its own listener kinds without editing Ascolto
    (``[listeners] modules = ["my_company.listeners"]``); the test suite uses it for its
    fault-injecting listener.
    """
    from listeners import registry
    from listeners.base import Listener

    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"{where}: [listeners] modules: cannot import '{module_name}' ({exc})") from None
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Listener) and value.kind and value.__module__ == module.__name__:
                registry.register(value)


def _source(name: str, table: Any, brand: Brand, where: str) -> SourceConfig:
    from listeners import registry

    label = f"{where}: [sources.{name}]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{label} must be a table of keys (kind = \"...\", ...)")
    if len(name) > SOURCE_NAME_MAX:
        raise ConfigError(f"{label}: the name is longer than {SOURCE_NAME_MAX} characters; shorten it")
    if "kind" not in table:
        raise ConfigError(f"{label}: missing required key 'kind' (one of: {', '.join(sorted(registry.LISTENERS))})")
    kind = table["kind"]
    if kind not in registry.LISTENERS:
        raise ConfigError(f"{label}: unknown kind '{kind}'; known kinds: {', '.join(sorted(registry.LISTENERS))}")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{label}: enabled must be true or false, not {enabled!r}")
    options = {k: v for k, v in table.items() if k not in ("kind", "enabled")}
    if "keywords" not in options and brand.search_keywords:
        options["keywords"] = list(brand.search_keywords)
    try:  # the listener class declares them; read without its SDK when that is missing
        required = registry.declared(kind, "required_keys", ())
    except TriageError as exc:  # a register() call that points nowhere
        raise ConfigError(f"{label}: {exc}") from None
    for key in required:
        choices = key if isinstance(key, tuple) else (key,)
        if not any(options.get(choice) not in (None, "", []) for choice in choices):
            wanted = " or ".join(f"'{c}'" for c in choices)
            raise ConfigError(f"{label}: missing required key {wanted} for kind '{kind}'")
    return SourceConfig(name, kind, enabled, options)


def _competitors(table: Any, label: str) -> tuple[Competitor, ...]:
    """``[brand.competitors]``: ``Fastnet = ["fastnet", "fast net"]``, one name a line."""
    if not isinstance(table, Mapping):
        raise ConfigError(f'{label} must be a table of names and keywords, e.g. Fastnet = ["fastnet", "fast net"]')
    found = []
    for name, keywords in table.items():
        words = tuple(w for w in _string_list(keywords, f"{label} {name}") if w.strip())
        if not words or len(name) > 64:
            raise ConfigError(f'{label} {name}: give a name of at most 64 characters and at least one keyword, '
                              f'e.g. {name[:64]} = ["{name[:64].lower()}"]')
        found.append(Competitor(str(name), words))
    return tuple(found)


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: '{key}' must be a table ([{key}])")
    return value


def _typed(table: Mapping[str, Any], key: str, kind: type, default: Any, label: str) -> Any:
    value = table.get(key, default)
    if not isinstance(value, kind):
        raise ConfigError(f"{label} {key} must be a {kind.__name__}, not {value!r}")
    return value


def _number(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where}: [listen] {key} must be a number of at least 0, not {value!r}")
    return float(value)


def _string_list(value: Any, label: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{label} must be a list of strings, e.g. [\"lumora\", \"#LumoraDown\"]")
    return [v for v in value if v.strip()]
