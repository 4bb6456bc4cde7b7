"""Which scheduled report went out for which window (``report_deliveries``): at most once each.

``claim`` inserts the row before the e-mail is sent; the unique key (schedule, window_start)
lets only one run win, however many run at once. A send that fails ``release``s the claim so
the next run tries again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from triage.db.schema import ReportDeliveryRow
from triage.db.store import Store


def claim(store: Store, schedule: str, window_start: datetime, at: datetime, recipients: str) -> bool:
    """Record that ``schedule`` is being sent for ``window_start``; False when it already was."""
    try:
        with store.session() as session:
            session.add(ReportDeliveryRow(schedule=schedule, window_start=window_start, sent_at=at,
                                          recipients=recipients))
    except IntegrityError:
        return False
    return True


def release(store: Store, schedule: str, window_start: datetime) -> None:
    """Forget the claim (the e-mail could not be sent): the next run sends it."""
    with store.session() as session:
        session.execute(delete(ReportDeliveryRow).where(ReportDeliveryRow.schedule == schedule,
                                                        ReportDeliveryRow.window_start == window_start))


def delivered(store: Store, schedule: str) -> list[datetime]:
    """The windows ``schedule`` was sent for, oldest first."""
    with store.session() as session:
        query = (select(ReportDeliveryRow.window_start).where(ReportDeliveryRow.schedule == schedule)
                 .order_by(ReportDeliveryRow.window_start))
        return list(session.scalars(query))
