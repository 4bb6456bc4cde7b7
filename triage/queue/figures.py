"""How report figures are rounded and summarised, the same way in every table, file and chart.

Times are hours with one decimal, shares are percentages with one decimal, counts are
integers. Medians and percentiles come from histograms the database returns (value, count),
never from the rows themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DECIMALS = 1


def round_figure(value: float | None, decimals: int = DECIMALS) -> float | None:
    """``value`` rounded half away from zero to ``decimals`` places (None and NaN stay None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    scale = 10 ** decimals
    return math.copysign(math.floor(abs(value) * scale + 0.5) / scale, value)


def percent(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent, rounded; None when ``whole`` is 0."""
    return round_figure(100.0 * part / whole) if whole else None


def weighted_quantile(values: Sequence[float], counts: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile (0..1) of ``values`` each repeated ``counts`` times, interpolated linearly
    between neighbours (numpy's default): the median of 10, 30, 50 is 30, their 90th percentile 46."""
    pairs = sorted((v, c) for v, c in zip(values, counts) if c > 0)
    total = sum(c for _, c in pairs)
    if not total:
        return None
    position = q * (total - 1)
    below, fraction = int(math.floor(position)), position - math.floor(position)

    def at(index: int) -> float:
        seen = 0
        for value, count in pairs:
            seen += count
            if index < seen:
                return value
        return pairs[-1][0]

    low = at(below)
    return low if fraction == 0 else low + (at(below + 1) - low) * fraction
