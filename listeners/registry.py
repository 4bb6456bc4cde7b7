"""Every listener kind, by name; a kind's class is imported only when it is used.

A kind is registered as ``"module:Class"`` (or as the class itself) with ``register``. The
built-in kinds below are registered exactly like a deployment's own: a module named in
``[listeners] modules`` of ``triage.toml`` may call ``register("my_company.shop:ShopListener",
"shop")``, and every ``Listener`` subclass with a ``kind`` that such a module defines is
registered too (``triage.config.settings.register_listener_modules``).

Since nothing is imported up front, a platform SDK that is not installed disables only the
sources of its kind: ``create`` raises ``MissingPackage`` ("source 'x' (x) disabled: the
tweepy package is missing; pip install tweepy==4.17.0") and the other sources run.

What a listener class declares (``required_keys``, ``can_reply``, ``requires``...) is read
from the class, or, when its module cannot be imported, from the module's source text
(``declared``): ``triage.toml`` is still checked and the message still says what to install.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from listeners.base import Listener, MissingPackage
from triage.errors import TriageError

BUILT_IN: dict[str, str] = {
    "files": "listeners.files:FolderListener",
    "x": "listeners.x:XListener",
    "reddit": "listeners.reddit:RedditListener",
    "mastodon": "listeners.mastodon:MastodonListener",
    "bluesky": "listeners.bluesky:BlueskyListener",
    "appstore": "listeners.appstore:AppStoreListener",
    "googleplay": "listeners.googleplay:GooglePlayListener",
    "rss": "listeners.rss:RssListener",
}

LISTENERS: dict[str, str | type[Listener]] = {}  # kind -> "module:Class", or the class itself

Target = TypeVar("Target", str, type[Listener])


def register(target: Target, kind: str = "") -> Target:
    """Add a listener kind: ``register("module:Class", "kind")``, or ``@register`` on a class with a ``kind``."""
    if isinstance(target, str):
        module, _, name = target.partition(":")
        if not (module and name and kind):
            raise TriageError(f"register('{target}', '{kind}'): give 'module:Class' and the kind it provides")
        LISTENERS[kind] = target
        return target
    kind = kind or target.kind
    if not kind:
        raise TriageError(f"{target.__name__} has no kind; set the class attribute 'kind'")
    LISTENERS[kind] = target
    return target


for _kind, _target in BUILT_IN.items():
    register(_target, _kind)


def listener_class(kind: str) -> type[Listener]:
    """The class of a registered ``kind``, imported now if it was registered by path.

    Raises ``ImportError`` when its module (or the platform SDK the module imports) cannot be imported.
    """
    target = LISTENERS[kind]
    if not isinstance(target, str):
        return target
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name + ".").startswith(exc.name + "."):  # the module itself, not what it imports
            raise TriageError(f"kind '{kind}' is registered as '{target}', but there is no module {module_name}; "
                              "fix the register() call") from None
        raise
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Listener)):
        raise TriageError(f"kind '{kind}' is registered as '{target}', but {module_name} has no Listener "
                          f"class {class_name}; fix the register() call")
    return cls


def declared(kind: str, attribute: str, default: Any = None) -> Any:
    """A class attribute of a registered ``kind``'s listener, e.g. ``required_keys`` or ``can_reply``.

    Read from the class; when its module cannot be imported (its SDK is missing), from the
    class body in the module's source, where the attribute is then a literal (``Listener``'s own
    value, else ``default``, if it is not written there).
    """
    try:
        return getattr(listener_class(kind), attribute, default)
    except ImportError:
        return _declared_in_source(str(LISTENERS[kind]), attribute, default)


def create(kind: str, name: str, config: Mapping[str, Any], secrets: Mapping[str, str] | None = None) -> Listener:
    """The listener of ``kind`` for the source ``name``; ``MissingPackage`` when its SDK is not installed."""
    if kind not in LISTENERS:
        raise TriageError(f"unknown listener '{kind}' for source '{name}'; known: {', '.join(sorted(LISTENERS))}")
    try:
        cls = listener_class(kind)
    except ImportError as exc:
        raise MissingPackage(_missing_package(kind, name, exc)) from None
    return cls(name, config, secrets)


def _missing_package(kind: str, name: str, exc: ImportError) -> str:
    """One line: what could not be imported and what to ``pip install``."""
    target = LISTENERS[kind]
    requires = _declared_in_source(target, "requires", "") if isinstance(target, str) else ""
    missing = (exc.name or "").split(".")[0] if isinstance(exc, ModuleNotFoundError) else ""
    what = f"the {missing} package is missing" if missing else f"its code cannot be imported ({exc})"
    install = requires or missing
    fix = f"pip install {install}" if install else "install the packages it needs"
    return f"source '{name}' ({kind}) disabled: {what}; {fix}"


def _declared_in_source(target: str, attribute: str, default: Any) -> Any:
    """``attribute`` as written in the body of the class ``target`` ("module:Class"), without running its module.

    Not written there (or not a literal): ``Listener``'s own value (``can_reply`` False...), else ``default``.
    """
    literals = _class_literals(target)
    return literals[attribute] if attribute in literals else getattr(Listener, attribute, default)


@functools.lru_cache(maxsize=64)  # a module's text does not change while the process runs
def _class_literals(target: str) -> dict[str, Any]:
    """The class attributes assigned a literal in the body of ``target``'s class, read from its module's source."""
    module_name, _, class_name = target.partition(":")
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return {}
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return {}
    literals: dict[str, Any] = {}
    for node in ast.parse(Path(spec.origin).read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.ClassDef) and node.name == class_name):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                names, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                names, value = [statement.target], statement.value
            else:
                continue
            try:
                evaluated = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError):  # not a literal: only the class knows its value
                continue
            literals.update((n.id, evaluated) for n in names if isinstance(n, ast.Name))
    return literals


_KEPT: dict[tuple[str, str, str], Listener] = {}


def kept(kind: str, name: str, config: Mapping[str, Any], secrets: Mapping[str, str]) -> Listener:
    """Like ``create``, but the same listener for the life of the process.

    ``listen --every``, "Fetch now" and sending replies reuse it, so a platform session
    (Bluesky allows about 30 logins in 5 minutes) or a client's instance check happens
    once, not on every poll or reply. A change of the source's options or of any
    credential builds a new one.
    """
    options = json.dumps(config, sort_keys=True, default=lambda o: f"{type(o).__name__}@{id(o)}")
    credentials = json.dumps(sorted(secrets.items()))
    key = (name, kind, hashlib.sha256(f"{options}|{credentials}".encode()).hexdigest())
    if key not in _KEPT:
        for stale in [k for k in _KEPT if k[0] == name]:
            del _KEPT[stale]
        _KEPT[key] = create(kind, name, config, secrets)
    return _KEPT[key]
