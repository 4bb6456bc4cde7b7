"""A listener whose platform SDK is not installed: importing this module fails, as ``listeners.x`` does without tweepy.

Registered by path as kind ``no_sdk`` (the ``no_sdk_kind`` fixture of ``fake_listeners``, or
``[listeners] modules = ["missing_sdk_kind"]``), the way ``listeners.registry`` registers the
built-in kinds. Its sources are disabled with what to install while the others run; its
``required_keys`` and ``requires`` are still read, from this file's text.
"""

from __future__ import annotations

from collections.abc import Iterator

import ascolto_example_sdk  # noqa: F401  (no such package: the import fails like a missing platform SDK)

from listeners.base import Batch, Listener


class NoSdkListener(Listener):
    kind = "no_sdk"
    can_reply = True
    required_keys = ("board",)
    requires = "ascolto-example-sdk==1.0"

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        raise AssertionError("this module cannot be imported, so this never runs")
