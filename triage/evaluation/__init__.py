"""Evaluations behind ``python -m triage evaluate``: one module per thing evaluated."""
