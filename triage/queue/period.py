"""The period a report covers: any range of whole UTC days, a few presets, and the period before it.

``Period(start, end)`` holds the first and the last day (both included); ``bounds()`` gives the
``[start, end)`` datetimes the queries take. ``previous()`` is the period of the same length just
before, which every report shows for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from triage.errors import UsageError

PRESETS: tuple[str, ...] = ("last_7_days", "last_30_days", "last_90_days", "this_week", "last_week",
                            "this_month", "last_month")
"""Names a schedule or the Trends page can use instead of two dates."""


@dataclass(frozen=True)
class Period:
    start: date  # first day, included
    end: date  # last day, included

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError(f"the period ends ({self.end}) before it starts ({self.start}); swap the dates")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: midnight of the first day to midnight after the last."""
        return (datetime.combine(self.start, time(), timezone.utc),
                datetime.combine(self.end + timedelta(days=1), time(), timezone.utc))

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def day_index(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def parse_period(text: str, today: date | None = None) -> Period:
    """``2026-11-01..2026-11-30`` (both days included), one day ``2026-11-05``, or a preset name."""
    text = text.strip()
    if text in PRESETS:
        return preset_period(text, today or datetime.now(timezone.utc).date())
    first, separator, last = text.partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if separator else start
    except ValueError:
        raise UsageError(f"period '{text}' is not START..END; use e.g. 2026-11-01..2026-11-30 "
                         f"or one of {', '.join(PRESETS)}") from None
    return Period(start, end)


def preset_period(name: str, today: date) -> Period:
    """A preset ending yesterday or today: ``last_N_days`` include today; weeks start on Monday;
    ``last_week``/``last_month`` are the whole calendar week/month before this one."""
    if name.startswith("last_") and name.endswith("_days"):
        days = int(name.split("_")[1])
        return Period(today - timedelta(days=days - 1), today)
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    if name == "this_week":
        return Period(monday, today)
    if name == "last_week":
        return Period(monday - timedelta(days=7), monday - timedelta(days=1))
    if name == "this_month":
        return Period(first_of_month, today)
    if name == "last_month":
        last = first_of_month - timedelta(days=1)
        return Period(last.replace(day=1), last)
    raise UsageError(f"unknown period '{name}'; use one of {', '.join(PRESETS)} or START..END")
