"""Reply drafts follow the post's language, register, emoji use and the channel's limit."""

from __future__ import annotations

import pytest

from triage.ranking.intent import guess_intent
from triage.replies.drafts import LENGTH_LIMITS, DraftRequest, match_faq, suggest
from triage.replies.tone import profile


@pytest.mark.parametrize(
    ("text", "language", "register"),
    [
        ("Buongiorno, vorrei sapere se mi può aiutare con la fattura di ottobre.", "it", "formal"),
        ("raga ma la fibra è giù? mi spieghi che succede", "it", "informal"),
        ("Dear Lumora team, I am writing to ask about roaming charges. Kind regards", "en", "formal"),
        ("hey guys wtf is going on with the app lol", "en", "informal"),
    ],
)
def test_language_and_register(text, language, register):
    tone = profile(text)
    assert (tone.language, tone.register) == (language, register)


def test_intensity_follows_caps_and_punctuation():
    assert profile("THIS IS RIDICULOUS!!! charged TWICE!!!").intensity > profile("charged twice").intensity


def test_formal_italian_gets_lei_and_informal_gets_tu():
    _, formal = suggest(DraftRequest("Buongiorno, mi può dire perché la fattura è raddoppiata? Cordiali saluti", "x",
                                     "Maria Rossi", sentiment="negative", p_negative=0.8))
    _, informal = suggest(DraftRequest("ciao raga, mi spieghi perché la bolletta è raddoppiata??", "x", "Luca",
                                       sentiment="negative", p_negative=0.8))
    assert all("Buongiorno Maria" in s.text for s in formal)
    assert any(word in formal[0].text for word in ("Le ", "La ", "Sua", "Può"))
    assert " ti " in f" {informal[0].text} " or "tu" in informal[0].text or "Mi scrivi" in informal[0].text
    assert "Ciao Luca" in informal[0].text


def test_english_post_gets_an_english_reply_signed_by_the_agent():
    tone, drafts = suggest(DraftRequest("my internet has been down since this morning", "x", "Tom",
                                        sentiment="negative", p_negative=0.9, signature="^GB"))
    assert tone.language == "en"
    assert drafts and all(d.text.endswith("^GB") for d in drafts)
    assert "DM" in drafts[0].text  # personal details go private


def test_emoji_only_when_the_customer_used_them_and_never_on_money():
    _, with_emoji = suggest(DraftRequest("love the new app 😍", "bluesky", "Anna", sentiment="positive"))
    _, without = suggest(DraftRequest("love the new app", "bluesky", "Anna", sentiment="positive"))
    _, money = suggest(DraftRequest("you charged me twice 😡😡", "x", "Anna", sentiment="negative", p_negative=0.9))
    assert any(ch in with_emoji[0].text for ch in "🙂💙")
    assert not any(ch in without[0].text for ch in "🙂💙")
    assert not any(ch in money[0].text for ch in "🙂💙")


@pytest.mark.parametrize("channel", sorted(LENGTH_LIMITS))
def test_drafts_fit_the_channel(channel):
    long_post = "Buongiorno, " + "vorrei sapere come attivare la eSIM sul nuovo telefono, " * 10 + "grazie."
    _, drafts = suggest(DraftRequest(long_post, channel, "Giovanna", sentiment="neutral", signature="^MR"))
    assert drafts and all(len(d.text) <= LENGTH_LIMITS[channel] for d in drafts)


def test_spam_gets_no_draft():
    _, drafts = suggest(DraftRequest("GIVEAWAY free iPhone click here bit.ly/x", "x"))
    assert drafts == []


def test_other_languages_fall_back_to_english_with_a_warning():
    _, drafts = suggest(DraftRequest("Hola, mi internet no funciona desde ayer, ¿qué pasa?", "x", "Pablo",
                                     sentiment="negative"))
    assert drafts[0].note.startswith("post is in 'es'")
    assert drafts[0].text.startswith("H")


def test_faq_answers_questions_it_covers():
    faq = ({"id": "esim-en", "lang": "en", "question": "How do I activate my eSIM?", "answer": "Scan the QR code.",
            "url": "https://help.example/esim", "keywords": ["esim", "qr code"]},)
    assert match_faq("how do i activate the esim on my new phone?", "en", faq)["id"] == "esim-en"
    assert match_faq("my router is broken", "en", faq) is None
    assert match_faq("come attivo la esim?", "it", faq) is None  # only same-language answers


def test_intent_guess():
    assert guess_intent("charged twice", "negative") == "complaint"
    assert guess_intent("how do I port my number?", "neutral") == "question"
    assert guess_intent("great job", "positive") == "praise"
    assert guess_intent("GIVEAWAY click here bit.ly/x free iphone", "neutral") == "spam"


def test_a_faq_draft_keeps_its_answer_and_link_within_the_limit():
    from triage.replies.drafts import load_faq

    entry = next(e for e in load_faq() if e["lang"] == "en" and "esim" in " ".join(e["keywords"]).lower())
    _, drafts = suggest(DraftRequest("how do I activate my esim?", "x", "", sentiment="neutral", signature="^GB"))
    faq = [d for d in drafts if d.source == "faq"]
    assert faq and len(faq[0].text) <= 280
    assert entry["url"] in faq[0].text or faq[0].text.endswith("… ^GB")
