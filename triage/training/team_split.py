"""Split the team's labelled posts into train and held-out by author, stratified by label.

One customer's posts never sit on both sides (the model would be measured on a voice it has
learnt), so whole authors are held out. Authors are taken in a seeded order and one goes to
the held-out side when it brings that side closer to ``holdout`` of every stratum (each
field's value, and each language) than it pushes it past: as close to a stratified fifth
as the authors allow.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Split(Generic[T]):
    train: list[T]
    held_out: list[T]


def split_by_author(items: Sequence[T], author: Callable[[T], str], strata: Callable[[T], Sequence[Hashable]],
                    holdout: float = 0.2, seed: int = 13) -> Split[T]:
    """``items`` split so that no author is on both sides, each stratum about ``holdout`` held out."""
    by_author: dict[str, list[T]] = {}
    for item in items:
        by_author.setdefault(author(item) or f"#{id(item)}", []).append(item)
    totals: Counter[Hashable] = Counter(s for item in items for s in strata(item))
    target = {s: holdout * n for s, n in totals.items()}
    held: Counter[Hashable] = Counter()
    names = sorted(by_author)
    random.Random(seed).shuffle(names)
    held_names: set[str] = set()
    for name in names:
        counts: Counter[Hashable] = Counter(s for item in by_author[name] for s in strata(item))
        gain = sum(min(n, max(0.0, target[s] - held[s])) for s, n in counts.items())
        overshoot = sum(max(0.0, held[s] + n - target[s]) - max(0.0, held[s] - target[s]) for s, n in counts.items())
        if gain > overshoot:
            held_names.add(name)
            held.update(counts)
    train = [item for name in sorted(by_author) if name not in held_names for item in by_author[name]]
    held_out = [item for name in sorted(by_author) if name in held_names for item in by_author[name]]
    return Split(train, held_out)
