import numpy as np

from triage.training.offsets import OffsetConfig, fit_offsets, mean_macro_f1, nested_offsets

LABELS = ["complaint", "praise"]


def _leaning_to_complaints(n: int = 40) -> tuple[np.ndarray, list[int], list[str]]:
    """Half the posts are praise, but the model gives praise 0.4 where it is right and 0.1 where not:
    the argmax calls everything a complaint."""
    gold = [0, 1] * (n // 2)
    praise = np.array([0.4 if g == 1 else 0.1 for g in gold])
    log_probabilities = np.log(np.stack([1 - praise, praise], axis=1))
    return log_probabilities, gold, ["en"] * (n // 2) + ["it"] * (n // 2)


def test_offsets_move_the_boundary_back_to_the_rarer_label():
    z, gold, langs = _leaning_to_complaints()
    assert mean_macro_f1(gold, z.argmax(1).tolist(), langs, LABELS) < 0.5
    offsets = fit_offsets(z, gold, langs, LABELS, OffsetConfig(shrink=1.0))
    assert offsets[1] > offsets[0] and abs(sum(offsets)) < 1e-6
    assert mean_macro_f1(gold, (z + np.array(offsets)).argmax(1).tolist(), langs, LABELS) == 1.0


def test_shrinkage_halves_the_offsets():
    z, gold, langs = _leaning_to_complaints()
    full = fit_offsets(z, gold, langs, LABELS, OffsetConfig(shrink=1.0))
    half = fit_offsets(z, gold, langs, LABELS, OffsetConfig(shrink=0.5))
    assert np.allclose(half, np.array(full) * 0.5)


def test_a_model_already_right_gets_no_offsets():
    gold = [0, 1] * 10
    z = np.log(np.array([[0.9, 0.1] if g == 0 else [0.1, 0.9] for g in gold]))
    assert fit_offsets(z, gold, ["en"] * 20, LABELS) == [0.0, 0.0]


def test_nested_offsets_are_scored_on_folds_they_were_not_chosen_on():
    z, gold, langs = _leaning_to_complaints()
    folds = [i % 4 for i in range(len(gold))]
    without, with_offsets = nested_offsets(z, gold, langs, folds, LABELS, OffsetConfig(shrink=1.0, repeats=2))
    assert without < 0.5 and with_offsets == 1.0
