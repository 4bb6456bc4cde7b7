"""The one training loop of the small heads: seeded shuffled mini-batches, AdamW, optionally one-cycle.

Every head the project trains on cached embeddings (sentiment, intent/topic, risks, urgency)
runs the same loop; only the loss differs, so each caller passes ``loss_of(batch)``, the loss
of one batch of row indices. The shuffling has its own generator seeded with ``seed``, so a
fit is reproducible whatever else used the global random state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def fit_minibatches(
    module: Any, rows: int, loss_of: Callable[[Any], Any], *, epochs: int, batch_size: int,
    learning_rate: float, weight_decay: float, seed: int, one_cycle: bool = False,
) -> Any:
    """Train ``module`` for ``epochs`` passes over ``rows`` rows in shuffled batches; returns it in eval mode.

    ``loss_of`` gets a tensor of row indices and returns that batch's scalar loss. ``one_cycle``
    schedules the learning rate with ``OneCycleLR`` peaking at ``learning_rate``.
    """
    import torch

    optimiser = torch.optim.AdamW(module.parameters(), lr=learning_rate, weight_decay=weight_decay)
    schedule = None
    if one_cycle:
        steps = epochs * ((rows + batch_size - 1) // batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=learning_rate, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _epoch in range(epochs):
        order = torch.randperm(rows, generator=generator)
        for start in range(0, rows, batch_size):
            batch = order[start : start + batch_size]
            optimiser.zero_grad()
            loss_of(batch).backward()
            optimiser.step()
            if schedule is not None:
                schedule.step()
    return module.eval()
