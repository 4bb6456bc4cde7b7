"""Streamlit pages and widgets. They call ``triage`` functions; no logic lives only here."""
