"""Registers kind ``no_sdk`` by path, as a module named in ``[listeners] modules`` of triage.toml may.

Its class lives in ``missing_sdk_listener``, whose import fails (its SDK is not installed):
``listen`` disables its sources and runs the others. Only for a separate process
(``python -m triage listen``); in-process tests use the ``no_sdk_kind`` fixture instead.
"""

from listeners.registry import register

register("missing_sdk_listener:NoSdkListener", "no_sdk")
