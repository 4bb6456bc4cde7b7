"""Incremental re-scoring after a model promotion or rollback: open mentions first, never a person's labels.

``reclassify_outdated`` takes the mentions classified by other model versions than the ones
in use (``mentions.model_version``, see ``triage.models.registry.version_label``), open
ones first and newest first, classifies them again in batches (each committed) and marks
them for rescoring; a label a person set (``mentions.overrides``) is applied again over the
models' answer (``triage.ingest.pipeline.classify_rows``). ``python -m triage worker`` runs
one batch whenever it finds nothing pending, after ``refresh_models`` has loaded the
versions promoted meanwhile. With models not from the registry (a configured
``TRIAGE_*_MODEL``, a fake) nothing is re-classified.
"""

from __future__ import annotations

from collections.abc import Callable

from triage.context import Context, LazyModel
from triage.db.model_versions import outdated_rows, save_reclassified
from triage.db.store import Store
from triage.ingest.pipeline import DEFAULT_BATCH, classify_rows
from triage.models import registry
from triage.models.intent import IntentModel, load_intent_model
from triage.models.sentiment import SentimentModel, load_sentiment_model


def reclassify_outdated(store: Store, model: SentimentModel, intent_model: IntentModel,
                        batch_size: int = DEFAULT_BATCH, limit: int | None = None,
                        stop: Callable[[], bool] = lambda: False) -> int:
    """Re-classify up to ``limit`` (None: all) mentions classified by other versions; how many were."""
    version = registry.version_label(model, intent_model)
    if version is None:
        model.predict([])  # a lazily loaded model: load it to learn its version
        intent_model.predict([])
        version = registry.version_label(model, intent_model)
    if version is None:
        return 0
    done, seen = 0, set[int]()
    while not stop() and (limit is None or done < limit):
        size = batch_size if limit is None else min(batch_size, limit - done)
        rows = outdated_rows(store, version, size, registry.PACKAGED_LABEL, frozenset(seen))
        if not rows:
            break
        results = classify_rows(rows, model, intent_model, batch_size, refresh=True)
        save_reclassified(store, results, {row.id: row.text for row in rows})
        seen.update(row.id for row in rows)  # a row whose text changed meanwhile is not taken again in this call
        done += len(rows)
    return done


def refresh_models(ctx: Context) -> bool:
    """Load the model versions in use now where the context holds other ones (a promotion happened); whether any."""
    changed = False
    for attribute, task, loader in (("sentiment", "sentiment", load_sentiment_model),
                                    ("intent", "intent", load_intent_model)):
        current = getattr(ctx, attribute)
        if not isinstance(current, LazyModel) or not current.loaded:
            continue
        loaded = registry.version_of(current)
        if loaded is not None and loaded != registry.in_use(task):
            setattr(ctx, attribute, LazyModel(loader))
            changed = True
    return changed
