import numpy as np

from triage.models.card import ModelCard
from triage.models.ngram import Combination, NgramHead, NgramModel, head_from_card, ngrams
from triage.training.ngram import NgramConfig, fit_ngram

POSTS = [
    ("mi avete addebitato due volte la bolletta, vergogna", "negative"),
    ("bolletta sbagliata e nessuno risponde, che schifo", "negative"),
    ("addebito doppio sul conto, rivoglio i miei soldi", "negative"),
    ("grazie mille al tecnico, gentilissimo e veloce", "positive"),
    ("servizio ottimo, grazie per la pazienza", "positive"),
    ("bravi, consegna velocissima, grazie", "positive"),
    ("a che ora apre il negozio di via Roma?", "neutral"),
    ("quando arriva la nuova versione dell'app?", "neutral"),
    ("come si cambia l'indirizzo di spedizione?", "neutral"),
]
LABELS = ["negative", "neutral", "positive"]
CONFIG = NgramConfig(min_df=1, steps=60)


def fitted() -> NgramModel:
    return fit_ngram([t for t, _ in POSTS], [label for _, label in POSTS], None, LABELS, 1e-4, CONFIG)


def test_ngrams_are_words_word_pairs_and_characters_inside_words():
    grams = ngrams("Bolletta doppia @mario")
    assert "w bolletta" in grams and "w bolletta doppia" in grams and "w user" in grams
    assert "c bo" in grams and "cetta " in grams and "c bolle" not in grams  # five characters at most
    assert not any(g.startswith("c") and " d" in g[2:] for g in grams)  # never across two words


def test_a_fitted_model_reads_the_cues_of_its_training_posts():
    model = fitted()
    predicted = model.log_probabilities(["ancora un addebito doppio, vergogna", "grazie, gentilissimo"]).argmax(-1)
    assert [LABELS[k] for k in predicted] == ["negative", "positive"]


def test_an_unknown_text_gets_the_bias_alone():
    probs = np.exp(fitted().log_probabilities(["xyz"]))
    assert abs(float(probs.sum()) - 1) < 1e-5


def test_saved_and_loaded_models_agree(tmp_path):
    model = fitted()
    files = model.save(tmp_path, "sentiment")
    card = ModelCard(name="n", task="t", heads={"sentiment": {"files": files, "labels": LABELS, "languages": ["it"],
                                                             "combination": {"design": "average", "weight": 1.0}}})
    head = head_from_card(tmp_path, card, "sentiment")
    assert head is not None and head.languages == ("it",)
    texts = ["addebito doppio", "grazie mille"]
    assert np.allclose(head.model.log_probabilities(texts), model.log_probabilities(texts), atol=1e-2)
    assert head_from_card(tmp_path, card, "intent") is None
    assert not list(tmp_path.glob("*.pkl")) and {p.suffix for p in tmp_path.iterdir()} == {".json", ".safetensors"}


def test_the_average_weight_moves_from_the_encoder_to_the_ngrams():
    encoder = np.log(np.array([[0.7, 0.2, 0.1]]))
    ngram = np.log(np.array([[0.1, 0.2, 0.7]]))
    assert np.allclose(np.exp(Combination("average", 0.0).log_probabilities(encoder, ngram)), np.exp(encoder))
    assert np.allclose(np.exp(Combination("average", 1.0).log_probabilities(encoder, ngram)), np.exp(ngram))
    middle = np.exp(Combination("average", 0.5).log_probabilities(encoder, ngram))
    assert abs(middle[0, 0] - middle[0, 2]) < 1e-6


def test_a_stacked_combination_applies_its_weights():
    identity_on_ngrams = [[0.0] * 3 + [1.0 if i == j else 0.0 for j in range(3)] for i in range(3)]
    stacked = Combination("stacked", 0.5, identity_on_ngrams, [0.0, 0.0, 0.0])
    encoder, ngram = np.log(np.array([[0.7, 0.2, 0.1]])), np.log(np.array([[0.1, 0.2, 0.7]]))
    assert np.allclose(np.exp(stacked.log_probabilities(encoder, ngram)), [[0.1, 0.2, 0.7]], atol=1e-5)
    assert Combination.from_dict(stacked.to_dict()) == stacked


def test_a_head_for_italian_leaves_english_rows_alone():
    head = NgramHead("sentiment", fitted(), Combination("average", 1.0), ("it",))
    encoder = np.array([[0.1, 0.1, 0.8], [0.1, 0.1, 0.8]], dtype=np.float32)
    texts = ["mi avete addebitato due volte la bolletta!!! vergogna", "Thank you so much for the quick fix, great job"]
    combined = head.combine(encoder, texts, LABELS)
    assert LABELS[int(combined[0].argmax())] == "negative"
    assert np.allclose(combined[1], encoder[1])


def test_the_combination_follows_the_callers_label_order():
    head = NgramHead("sentiment", fitted(), Combination("average", 1.0))
    reordered = ["positive", "negative", "neutral"]
    combined = head.combine(np.full((1, 3), 1 / 3, dtype=np.float32), ["grazie mille, gentilissimo"], reordered)
    assert reordered[int(combined[0].argmax())] == "positive"


def test_offsets_shift_the_combined_probabilities_and_survive_the_card():
    encoder = np.log(np.array([[0.6, 0.3, 0.1]]))
    plain = Combination("average", 0.0)
    shifted = Combination("average", 0.0, offsets=[0.0, 1.0, 0.0])
    assert plain.log_probabilities(encoder, encoder).argmax() == 0
    assert shifted.log_probabilities(encoder, encoder).argmax() == 1
    assert np.allclose(np.exp(shifted.log_probabilities(encoder, encoder)).sum(), 1.0)
    assert Combination.from_dict(shifted.to_dict()) == shifted
    assert "offsets" not in plain.to_dict()
