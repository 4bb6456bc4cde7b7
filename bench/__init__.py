"""Benchmarks: scripts that print figures (never timed tests). Run via ``python -m triage bench``."""
