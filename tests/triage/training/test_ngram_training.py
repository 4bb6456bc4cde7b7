from typing import Any

import numpy as np

from triage.tables.customer_posts import CustomerPost
from triage.training.ngram import NgramConfig, _author_folds, choose, fit_ngram
from triage.training.offsets import OffsetConfig

NEGATIVE = ["addebito doppio sulla bolletta", "vergogna, nessuno risponde", "linea morta da giorni, vergogna",
            "rimborso mai arrivato, schifo", "bolletta sbagliata ancora", "app bloccata, che schifo"]
POSITIVE = ["grazie mille, gentilissimi", "tecnico bravissimo, grazie", "consegna velocissima, bravi",
            "ottimo servizio, grazie", "app perfetta, complimenti", "bravi e gentilissimi"]
CONFIG = NgramConfig(min_df=1, steps=40, folds=2, l2_grid=(1e-4,), weight_grid=(0.0, 0.5, 1.0))


def post(i: int, text: str, label: str) -> CustomerPost:
    return CustomerPost(id=f"it-{i}", author=f"a{i}", lang="it", channel="x", sector="telecom", text=text,
                        intent="complaint", topic=None, sentiment=label, urgent=False, risks=(), split="train")


def test_row_weights_decide_between_contradicting_labels():
    texts, labels = ["bolletta", "bolletta", "grazie", "grazie"], ["negative", "positive", "negative", "positive"]
    heavy_negative = fit_ngram(texts, labels, [5.0, 1.0, 1.0, 5.0], ["negative", "positive"], 1e-4, CONFIG)
    heavy_positive = fit_ngram(texts, labels, [1.0, 5.0, 5.0, 1.0], ["negative", "positive"], 1e-4, CONFIG)
    assert heavy_negative.log_probabilities(["bolletta"])[0].argmax() == 0
    assert heavy_positive.log_probabilities(["bolletta"])[0].argmax() == 1


def test_folds_keep_each_author_in_one_fold():
    posts = [post(i, "x", "negative") for i in range(6)] + [post(0, "y", "positive")]
    folds = _author_folds(posts, 2, seed=13)
    assert folds[0] == folds[-1] and set(folds) == {0, 1}


def _choose_with_an_uninformative_encoder(**options: Any) -> Any:
    """``choose`` on the negative/positive posts, the encoder giving every post 0.5 / 0.5."""
    texts = NEGATIVE + POSITIVE
    labels = ["negative"] * len(NEGATIVE) + ["positive"] * len(POSITIVE)
    posts = [post(i, t, label) for i, (t, label) in enumerate(zip(texts, labels))]
    folds = _author_folds(posts, CONFIG.folds, CONFIG.seed)
    uniform = np.log(np.full((len(texts), 2), 0.5, dtype=np.float32))
    return choose(texts, labels, [1.0] * len(texts), list(range(len(texts))), folds, uniform,
                  ["negative", "positive"], ["it"] * len(texts), "macro_recall", CONFIG, log=lambda _: None,
                  **options)


def test_an_uninformative_encoder_lets_the_ngrams_decide():
    choice = _choose_with_an_uninformative_encoder()
    assert choice.cv["encoder alone"] == 0.5
    assert choice.cv["chosen"]["value"] > 0.5
    assert choice.combination.design in ("average", "stacked")
    if choice.combination.design == "average":
        assert choice.combination.weight > 0


def test_a_grid_given_to_choose_replaces_the_configured_one():
    choice = _choose_with_an_uninformative_encoder(l2_grid=(1e-6, 1e-3))
    assert [key for key in choice.cv if key.startswith("ngram alone")] == ["ngram alone (l2 1e-06)",
                                                                        "ngram alone (l2 0.001)"]
    assert choice.l2 in (1e-6, 1e-3)



def test_offsets_are_recorded_and_kept_only_when_the_nested_folds_gain():
    never = _choose_with_an_uninformative_encoder(offsets=OffsetConfig(min_gain=2.0))  # no gain reaches 2
    assert set(never.cv["offsets"]) == {"nested without", "nested with", "offsets", "kept"}
    assert never.cv["offsets"]["kept"] is False and never.combination.offsets is None
    assert "offsets" not in never.combination.to_dict()
    always = _choose_with_an_uninformative_encoder(offsets=OffsetConfig(min_gain=-2.0))
    assert always.cv["offsets"]["kept"] is True
    assert always.combination.offsets == list(always.cv["offsets"]["offsets"].values())
