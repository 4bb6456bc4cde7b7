"""Every ``TRIAGE_*`` environment variable, read in one place.

=========================  ==================  ==============================================================
variable                   field               what it sets
=========================  ==================  ==============================================================
``TRIAGE_DB_URL``          ``db_url``          the database (SQLAlchemy URL); default ``sqlite:///data/triage.db``
``TRIAGE_CONFIG``          ``config``          the ``triage.toml`` to read; default ``./triage.toml`` if present
``TRIAGE_SECRETS_FILE``    ``secrets_file``    the listeners' credentials file; default ``.streamlit/secrets.toml``
``TRIAGE_SENTIMENT_MODEL`` ``sentiment_model`` a Hugging Face id or a model folder; empty: the packaged model
``TRIAGE_SENTIMENT_LABELS`` ``sentiment_labels`` JSON mapping a Hub model's labels to negative/neutral/positive
``TRIAGE_INT8``            ``int8``            ``1``/``0``: int8 encoder on/off (else the model card decides)
``TRIAGE_INTENT_MODEL``    ``intent_model``    a folder with trained intent heads; empty: the shipped ones
``TRIAGE_LLM_URL``         ``llm_url``         OpenAI-compatible server for reply rewrites (else ``[replies]``)
``TRIAGE_LLM_MODEL``       ``llm_model``       the model it serves (else ``[replies] llm_model``)
``TRIAGE_LLM_API_KEY``     ``llm_api_key``     its API key (never in triage.toml)
``TRIAGE_LLM_TIMEOUT``     ``llm_timeout``     seconds per request (else ``[replies] llm_timeout``, else 10)
``TRIAGE_SIGNATURE``       ``signature``       the agent's reply signature (CLI ``suggest``, dashboard sidebar)
``TRIAGE_AGENT``           ``agent``           the name prefilled in the sidebar (single-user dashboard, no [auth])
``TRIAGE_MODELS_DIR``      ``models_dir``      versioned models (``<task>/<version>/``); default ``data/models``
=========================  ==================  ==============================================================

Unset and empty mean the same: the field is ``""`` (``None`` for ``int8``). Modules call
``environment()`` when they need a value, never at import, so a changed environment (a
test's ``monkeypatch.setenv``) is seen. The listeners' credentials, whose names the
configuration chooses, are read by ``triage.config.secrets``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

PREFIX = "TRIAGE_"


@dataclass(frozen=True)
class Environment:
    """The ``TRIAGE_*`` variables (see the module's table); each field is ``TRIAGE_`` + its name in capitals."""

    db_url: str = ""
    config: str = ""
    secrets_file: str = ""
    sentiment_model: str = ""
    sentiment_labels: str = ""
    int8: bool | None = None
    intent_model: str = ""
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: str = ""
    signature: str = ""
    agent: str = ""
    models_dir: str = ""

    @staticmethod
    def variable(field_name: str) -> str:
        """The environment variable behind a field: ``db_url`` -> ``TRIAGE_DB_URL``."""
        return PREFIX + field_name.upper()


def environment(environ: Mapping[str, str] = os.environ) -> Environment:
    """The ``TRIAGE_*`` variables of ``environ`` (the process environment, read now)."""
    values: dict[str, object] = {f.name: environ.get(Environment.variable(f.name), "") for f in fields(Environment)}
    int8 = values["int8"]
    values["int8"] = int8 == "1" if int8 in ("0", "1") else None
    return Environment(**values)  # type: ignore[arg-type]
