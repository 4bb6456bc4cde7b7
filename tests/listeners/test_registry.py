"""``listeners.registry``: kinds registered by path, imported on use; a missing SDK disables only its kind."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from listeners import registry
from listeners.base import MissingPackage
from listeners.registry import BUILT_IN, LISTENERS, create, declared, listener_class, register
from triage.errors import TriageError

SDKS = {  # kind -> the module its listener imports first, and what the message says to install
    "x": ("tweepy", "tweepy==4.17.0"),
    "reddit": ("praw", "praw==8.0.3"),
    "mastodon": ("mastodon", "Mastodon.py==2.3.3"),
    "bluesky": ("atproto", "atproto==0.0.73"),
    "rss": ("feedparser", "feedparser==6.0.14"),
    "googleplay": ("google_play_scraper", "google-play-scraper==1.2.7"),
}


@pytest.fixture
def without(monkeypatch):
    """Make ``import <sdk>`` fail in this process, as if the package were not installed.

    ``kind``'s module is forgotten too, so the next use imports it again."""

    def hide(kind: str, sdk: str) -> None:
        monkeypatch.setitem(sys.modules, sdk, None)  # None in sys.modules: importing it raises ModuleNotFoundError
        module = BUILT_IN[kind].partition(":")[0]
        if module in sys.modules:
            monkeypatch.delitem(sys.modules, module)  # put back as it was after the test

    return hide


def test_importing_the_registry_imports_no_platform_sdk():
    probe = ("import sys, listeners.registry; "
             f"print(sorted(m for m in {sorted(s for s, _ in SDKS.values())!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_built_in_kind_is_registered_by_path_and_names_its_own_class():
    assert set(BUILT_IN) <= set(LISTENERS)
    for kind, target in BUILT_IN.items():
        assert LISTENERS[kind] == target and target.startswith("listeners.")
        assert listener_class(kind).kind == kind


@pytest.mark.parametrize("kind", sorted(SDKS))
def test_a_missing_sdk_disables_only_its_kind_and_says_what_to_install(kind, without):
    sdk, requirement = SDKS[kind]
    without(kind, sdk)
    with pytest.raises(MissingPackage) as error:
        create(kind, "mine", {})
    expected = f"source 'mine' ({kind}) disabled: the {sdk} package is missing; pip install {requirement}"
    assert str(error.value) == expected
    assert create("files", "inbox", {"folder": "."}).kind == "files"  # the other kinds are still there


@pytest.mark.parametrize("kind", sorted(BUILT_IN))
def test_what_a_listener_declares_is_read_the_same_without_its_sdk(kind, without):
    cls = listener_class(kind)
    expected = {a: getattr(cls, a) for a in ("required_keys", "requires", "can_reply")}
    if kind in SDKS:
        without(kind, SDKS[kind][0])
        with pytest.raises(ImportError):
            listener_class(kind)
    assert {a: declared(kind, a) for a in expected} == expected


def test_each_sdk_is_pinned_as_in_requirements_txt():
    pins = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    for kind, (_sdk, requirement) in SDKS.items():
        assert listener_class(kind).requires == requirement and requirement in pins


def test_a_registration_that_points_nowhere_says_so(monkeypatch):
    monkeypatch.setattr(registry, "LISTENERS", dict(LISTENERS))
    register("listeners.nowhere:Listener", "nowhere")
    register("listeners.files:NoSuchListener", "misnamed")
    with pytest.raises(TriageError, match="there is no module listeners.nowhere; fix the register"):
        create("nowhere", "a", {})
    with pytest.raises(TriageError, match="listeners.files has no Listener class NoSuchListener"):
        create("misnamed", "b", {})
    with pytest.raises(TriageError, match="give 'module:Class' and the kind it provides"):
        register("listeners.files:FolderListener")
    with pytest.raises(TriageError, match=r"unknown listener 'myspace' for source 'c'; known: .*files"):
        create("myspace", "c", {})
