"""The one training loop of the small heads: it learns, and the same seed gives the same weights."""

from __future__ import annotations

import torch

from triage.training.minibatch import fit_minibatches


def _problem() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(200, 4, generator=generator)
    return x, (x[:, 0] + x[:, 1] > 0).long()


def _fit(seed: int, one_cycle: bool = False) -> torch.nn.Module:
    x, y = _problem()
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    return fit_minibatches(model, len(x), lambda batch: torch.nn.functional.cross_entropy(model(x[batch]), y[batch]),
                           epochs=30, batch_size=32, learning_rate=0.05, weight_decay=0.0, seed=seed,
                           one_cycle=one_cycle)


def test_a_separable_problem_is_learned_and_the_model_comes_back_in_eval_mode() -> None:
    x, y = _problem()
    model = _fit(seed=1)
    assert not model.training
    assert (model(x).argmax(-1) == y).float().mean() > 0.95


def test_the_same_seed_gives_the_same_weights_and_another_seed_other_weights() -> None:
    first, again, other = _fit(seed=1), _fit(seed=1), _fit(seed=2)
    assert torch.equal(first.weight, again.weight)
    assert not torch.equal(first.weight, other.weight)


def test_one_cycle_schedule_also_learns() -> None:
    x, y = _problem()
    assert (_fit(seed=1, one_cycle=True)(x).argmax(-1) == y).float().mean() > 0.95
