"""What every entry point builds once and hands down: the store, the configuration, the
credentials, the models, the clock.

``python -m triage`` builds one ``Context`` from ``--db``/``--config``; the dashboard builds
one per database and keeps it (``triage.ui.common.get_context``). Listening, sending and the
reply suggestions take it in place of long parameter lists.

Nothing here is loaded before it is needed: the configuration and the credentials are read
on first use, and each model is loaded on its first prediction and then kept, so a listen
round that finds nothing new loads no model, and ``suggest`` runs without a config file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from triage.config.secrets import load_secrets
from triage.config.settings import Config, load_config
from triage.db.store import Store, open_store
from triage.models.intent import IntentModel, load_intent_model
from triage.models.sentiment import SentimentModel, load_sentiment_model
from triage.records import utcnow

Clock = Callable[[], datetime]
M = TypeVar("M")


class LazyModel(Generic[M]):
    """A model loaded on its first use (``predict`` or ``name``), then kept."""

    def __init__(self, load: Callable[[], M]) -> None:
        self._load = load
        self._model: M | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def model(self) -> M:
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def name(self) -> str:
        return str(getattr(self.model, "name", type(self.model).__name__))

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress: Any = None) -> Any:
        return self.model.predict(texts, batch_size=batch_size, progress=progress)  # type: ignore[attr-defined]


def _lazy(given: M | Callable[[], M] | None, default: Callable[[], M]) -> M | LazyModel[M]:
    """A model given as is (it has ``predict``), or a loader run on first use, or ``default`` run on first use."""
    if given is None:
        return LazyModel(default)
    if hasattr(given, "predict"):
        return given  # type: ignore[return-value]
    return LazyModel(given)  # type: ignore[arg-type]


class Context:
    """The store, configuration, credentials, models and clock one run of Ascolto works with.

    ``config`` and ``secrets`` are read on first use when not given (``config_path``, else
    ``$TRIAGE_CONFIG``, else ``./triage.toml``; environment over ``.streamlit/secrets.toml``).
    ``sentiment`` and ``intent`` are models, loaders, or ``None`` for the configured ones;
    they load on first prediction. ``encoder`` is the sentence encoder behind the history
    suggestions (a loader, an encoder, or ``None`` for the packaged one).
    """

    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        secrets: Mapping[str, str] | None = None,
        *,
        sentiment: SentimentModel | Callable[[], SentimentModel] | None = None,
        intent: IntentModel | Callable[[], IntentModel] | None = None,
        encoder: Any = None,
        clock: Clock = utcnow,
        config_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.store = store
        self._config = config
        self._config_path = config_path
        self._secrets = secrets
        self.sentiment: SentimentModel = _lazy(sentiment, load_sentiment_model)  # type: ignore[assignment]
        self.intent: IntentModel = _lazy(intent, load_intent_model)  # type: ignore[assignment]
        self.encoder = encoder
        self.clock = clock

    @property
    def config(self) -> Config:
        """The configuration (read on first use; a broken file raises ``ConfigError`` then)."""
        if self._config is None:
            self._config = load_config(self._config_path)
        return self._config

    @property
    def secrets(self) -> Mapping[str, str]:
        """The credentials listeners read (loaded on first use)."""
        if self._secrets is None:
            self._secrets = load_secrets()
        return self._secrets

    def now(self) -> datetime:
        return self.clock()

    def fresh(self, config: Config | None = None) -> Context:
        """This context with ``config`` (``None``: read again on first use) and the credentials read
        again on first use; the store, models, encoder and clock are shared.

        The dashboard keeps one context per database and re-reads ``triage.toml`` on each page run.
        """
        renewed = Context(self.store, config, encoder=self.encoder, clock=self.clock, config_path=self._config_path)
        renewed.sentiment, renewed.intent = self.sentiment, self.intent
        return renewed


def open_context(db: str | None = None, config_path: str | os.PathLike[str] | None = None) -> Context:
    """Open the database ``db`` (see ``triage.db.store.resolve_url``); the configuration is read on first use."""
    return Context(open_store(db), config_path=config_path)
