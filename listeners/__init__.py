"""Listeners: one small class per channel behind ``listeners.base.Listener``.

They are registered in ``listeners.registry``; enabling one is configuration, not code.
"""
