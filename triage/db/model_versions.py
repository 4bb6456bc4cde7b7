"""The mentions classified by other model versions than the ones in use, and writing their new classification.

After a promotion (or a rollback) the mentions whose ``model_version`` differs from the
version label in use are re-classified in batches, open mentions first, newest first
(``triage.ingest.reclassify``). A mention classified before versions were recorded (NULL)
counts as classified by the packaged models.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from triage.db.claims import Classified, _write
from triage.db.schema import RESCORE_NOW, MentionRow
from triage.db.store import Store
from triage.records import OPEN_STATUSES


def outdated_rows(store: Store, version: str, limit: int, packaged: str, skip: frozenset[int] = frozenset(),
                  ) -> list[MentionRow]:
    """Up to ``limit`` classified mentions whose model version is not ``version``: open ones first, newest first
    (``packaged``: the label a NULL version stands for; ``skip``: ids to leave out)."""
    outdated = (MentionRow.sentiment.is_not(None), MentionRow.intent.is_not(None), MentionRow.tone.is_not(None),
                func.coalesce(MentionRow.model_version, packaged) != version)
    rows: list[MentionRow] = []
    with store.session() as session:
        for is_open in (True, False):
            status = MentionRow.status.in_(list(OPEN_STATUSES))
            query = select(MentionRow).where(*outdated, status if is_open else ~status)
            if skip:
                query = query.where(MentionRow.id.not_in(sorted(skip)))
            rows += session.scalars(query.order_by(MentionRow.id.desc()).limit(limit - len(rows)))
            if len(rows) >= limit:
                break
    return rows


def save_reclassified(store: Store, results: dict[int, Classified], texts: dict[int, str]) -> None:
    """Write the new classifications (only where the text is still the one classified) and mark them for rescoring."""
    with store.session() as session:
        _write(session, results, texts)
        ids = sorted(results)
        if ids:
            session.execute(update(MentionRow).where(MentionRow.id.in_(ids)).values(rescore_at=RESCORE_NOW))
