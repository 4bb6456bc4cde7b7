"""Volume spikes of negative mentions against the recent baseline (shown on the Trends page).

The last ``window_hours`` are compared with the same-length windows of the previous
``baseline_days``: a spike is a count at least ``min_count``, at least ``factor`` times
the baseline mean and above the mean plus three standard deviations.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from triage.db.reporting import negative_counts
from triage.db.store import Store
from triage.records import as_utc, utcnow


@dataclass(frozen=True)
class Spike:
    current: int  # negative mentions in the last window
    baseline: float  # mean per window over the baseline period
    window_hours: float
    flagged: bool

    @property
    def ratio(self) -> float:
        return self.current / self.baseline if self.baseline else float(self.current)

    @property
    def message(self) -> str:
        window = f"{self.window_hours:g} h"
        usual = f"a usual {self.baseline:.1f}"
        if self.flagged:
            times = f" ({self.ratio:.1f}x)" if self.baseline else ""
            return f"Spike: {self.current} negative mentions in the last {window} against {usual}{times}"
        return f"No spike: {self.current} negative mentions in the last {window} against {usual}"


def spike_from_counts(current: int, previous: list[int], window_hours: float = 24.0, min_count: int = 5,
                      factor: float = 2.0) -> Spike:
    """Decide whether ``current`` is a spike against the ``previous`` windows' counts."""
    mean = statistics.fmean(previous) if previous else 0.0
    spread = statistics.pstdev(previous) if len(previous) > 1 else 0.0
    flagged = current >= min_count and current >= factor * mean and current > mean + 3 * spread
    return Spike(current, mean, window_hours, flagged)


def negative_spike(store: Store, now: datetime | None = None, window_hours: float = 24.0, baseline_days: int = 7,
                   min_count: int = 5, factor: float = 2.0) -> Spike:
    """Negative mentions in the last ``window_hours`` against the previous ``baseline_days``."""
    now = as_utc(now or utcnow())
    window = timedelta(hours=window_hours)
    windows = max(1, int(timedelta(days=baseline_days) / window))
    counts = negative_counts(store, now, window, windows)
    return spike_from_counts(counts[0], counts[1:windows + 1], window_hours, min_count, factor)
