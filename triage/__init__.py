"""Ascolto triage: classify, rank and answer brand mentions.

The package is a library first; ``python -m triage`` and the Streamlit dashboard
are thin layers over the functions in these modules.
"""

__version__ = "0.1.0"
