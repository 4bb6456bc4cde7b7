"""The risk model's n-gram reader: hashed character n-grams, one logistic output per risk."""

from __future__ import annotations

import math

import pytest

from triage.models.risk_ngrams import BUCKETS, build_ngram_model, combine, ngram_counts, ngram_logits, ngram_matrix

torch = pytest.importorskip("torch")


def test_the_same_words_give_the_same_buckets_whatever_the_case_and_spacing():
    assert ngram_counts("La batteria  si è GONFIATA") == ngram_counts("la batteria si è gonfiata")
    assert ngram_counts("batteria gonfia") != ngram_counts("fattura di ottobre")
    assert all(0 <= bucket < BUCKETS for bucket in ngram_counts("scintille dalla presa"))


def test_each_row_of_the_matrix_has_unit_length():
    matrix = ngram_matrix(torch, ["the charger sparked", "ok", ""]).to_dense()
    assert matrix.shape == (3, BUCKETS)
    norms = matrix.norm(dim=1).tolist()
    assert math.isclose(norms[0], 1.0, rel_tol=1e-5) and math.isclose(norms[1], 1.0, rel_tol=1e-5)
    assert norms[2] == 0.0  # nothing to read: no evidence either way


def test_the_sparse_logits_are_the_linear_layer_of_the_dense_matrix():
    torch.manual_seed(0)
    model = build_ngram_model(torch, 4)
    texts = ["someone changed my 2FA number", "mi hanno cambiato la mail"]
    dense = model(ngram_matrix(torch, texts).to_dense())
    with torch.inference_mode():
        assert torch.allclose(ngram_logits(torch, model, texts), dense, atol=1e-5)


def test_the_risk_probability_is_the_geometric_mean_of_both_readers():
    head, ngrams = torch.tensor([[0.0, 2.0]]), torch.tensor([[0.0, -2.0]])
    p = combine(torch, head, ngrams)
    assert torch.allclose(p[0, 0], torch.tensor(0.5))
    both = math.sqrt(1 / (1 + math.exp(-2)) * 1 / (1 + math.exp(2)))
    assert math.isclose(float(p[0, 1]), both, rel_tol=1e-5)  # one reader sure, the other not: low
