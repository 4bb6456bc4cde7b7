"""The tone profile: language, register (Lei/tu), emoji, intensity and its parts, stored as JSON."""

from __future__ import annotations

import pytest

from triage.replies.tone import ToneProfile, profile


@pytest.mark.parametrize(
    ("text", "register"),
    [
        ("Buongiorno, potrebbe dirmi quando scade il mio contratto? La ringrazio, cordiali saluti", "formal"),
        ("Gentile assistenza, Le scrivo perché la fattura di ottobre non mi torna.", "formal"),
        ("ciao, mi dici quando scade il contratto? grazie mille", "informal"),
        ("raga ma voi sapete se la fibra è giù? boh", "informal"),
    ],
)
def test_italian_posts_are_told_apart_by_lei_and_tu(text, register):
    tone = profile(text)
    assert tone.language == "it"
    assert tone.register == register
    assert tone.italian_address == ("Lei" if register == "formal" else "tu")


def test_english_posts_have_no_italian_address():
    tone = profile("Dear Lumora, I am writing about my contract. Kind regards")
    assert (tone.language, tone.register, tone.italian_address) == ("en", "formal", None)


def test_intensity_is_made_of_caps_repeated_punctuation_and_anger():
    calm = profile("my bill looks a bit higher than usual", p_negative=0.6)
    loud = profile("THIS IS A SCANDAL!!! charged TWICE again?!? unacceptable", p_negative=0.9)
    assert loud.intensity > 0.7 > 0.3 > calm.intensity
    assert loud.caps > 0.3 and loud.repeated_punctuation == 2 and loud.anger_words == 2
    assert (calm.caps, calm.repeated_punctuation, calm.anger_words) == (0.0, 0, 0)


def test_emoji_use_is_noticed():
    assert profile("the new app is lovely 😍").emoji
    assert not profile("the new app is lovely :)").emoji


def test_the_profile_round_trips_through_json_with_the_triage_fields():
    tone = profile("ciao, la fibra è giù da ieri 😡", sentiment="negative", intent="complaint", p_negative=0.8)
    stored = tone.to_dict()
    assert stored["language"] == "it" and stored["emoji"] is True
    assert (stored["sentiment"], stored["intent"]) == ("negative", "complaint")
    assert ToneProfile.from_dict(stored) == tone
    assert ToneProfile.from_dict({"language": "en", "register": "formal", "emoji": False, "intensity": 0.1,
                                  "unknown_key": 1}).language == "en"


def test_describe_reads_as_one_line_for_the_agent():
    line = profile("Buongiorno, mi può aiutare? VERGOGNA!!!", sentiment="negative", intent="complaint",
                   p_negative=0.9).describe()
    assert line.startswith("it, formal (Lei) · no emoji · intensity")
    assert "sentiment negative" in line and "intent complaint" in line and "!!/??" in line


def test_the_pipeline_stores_each_mentions_tone_with_its_triage(store, fake_model, fake_intent_model):
    from conftest import make_mention
    from triage.ingest.pipeline import ingest

    ingest(store, [make_mention("1", "Buongiorno, mi può aiutare con la fattura? Cordiali saluti", language="it"),
                   make_mention("2", "love the new app 😍")], fake_model, intent_model=fake_intent_model)
    formal, happy = store.mentions()
    assert (formal.tone["language"], formal.tone["register"], formal.tone["emoji"]) == ("it", "formal", False)
    assert happy.tone["emoji"] is True
    assert (happy.tone["sentiment"], happy.tone["intent"]) == (happy.sentiment, happy.intent)
    assert ToneProfile.from_dict(happy.tone).intensity == happy.tone["intensity"]
