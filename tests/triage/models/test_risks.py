"""Named risks: the keyword signals joined with the learned risk head, found by meaning in both languages."""

from __future__ import annotations

import pytest

from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.models.analysis import analyse
from triage.models.risks import RISKS, combined_risks, keyword_risks
from triage.text.signals import SIGNALS

# Posts written for this test: each names a risk without the words the keyword lists know.
BY_MEANING = [
    ("The battery on my son's e-bike has puffed up and the plastic case is splitting open. "
     "It's in the hallway right now, what should we do with it?", "safety", "en"),
    ("The chemist sent my dad's repeat prescription to a branch 40 miles away and he has insulin "
     "for two more days. Nobody can tell me where the parcel is.", "safety", "en"),
    ("Somebody switched the mobile number my verification codes go to, so every login code now "
     "goes to a phone I have never owned. I did not ask for this.", "account_takeover", "en"),
    ("Mia madre ha 86 anni, la caldaia è ferma da ieri sera e fuori ci sono zero gradi. "
     "Il tecnico dice forse giovedì, lei non può restare così al freddo.", "safety", "it"),
    ("Ieri è arrivata una mail identica alle vostre, ho inserito i miei dati e stamattina non "
     "riesco più ad entrare nell'app della banca. Cosa devo fare?", "account_takeover", "it"),
    ("La cinghia del seggiolino auto comprato da voi si è aperta da sola mentre guidavo, "
     "con la bambina seduta dietro. Come è possibile?", "safety", "it"),
]


def test_the_risks_are_the_keyword_signals_of_the_same_name():
    assert set(RISKS) <= {signal.name for signal in SIGNALS}
    assert keyword_risks("you charged me twice and I'm calling a solicitor") == ("money", "churn_legal")
    assert keyword_risks("Grazie, tutto perfetto") == ()


def test_the_head_and_the_keywords_are_joined_in_a_fixed_order():
    assert combined_risks("you charged me twice", ["safety"]) == ("money", "safety")
    assert combined_risks("nothing to see here", ["account_takeover"]) == ("account_takeover",)
    assert combined_risks("nothing to see here") == ()


def test_models_without_a_risk_head_still_give_the_keyword_risks():
    [hacked, calm] = analyse(["My account was hacked and they took my money, refund now",
                              "Thanks, the new plan works fine"], KeywordSentimentModel(), KeywordIntentModel())
    assert hacked.risks == ("money", "account_takeover")
    assert calm.risks == ()


@pytest.fixture(scope="module")
def shipped():
    from triage.models.intent import load_intent_model
    from triage.models.sentiment import load_sentiment_model

    return load_sentiment_model(""), load_intent_model()


@pytest.mark.model
@pytest.mark.parametrize(("text", "risk", "lang"), BY_MEANING, ids=[f"{r}-{lang}-{i}" for i, (_, r, lang)
                                                                   in enumerate(BY_MEANING)])
def test_the_shipped_models_find_risks_the_keyword_lists_miss(shipped, text, risk, lang):
    assert risk not in keyword_risks(text)  # the keywords alone would miss it
    (analysis,) = analyse([text], *shipped)
    assert risk in analysis.risks
    assert risk in analysis.intent.risks and analysis.intent.risk_probabilities[risk] > 0


@pytest.mark.model
def test_ordinary_posts_carry_no_risk(shipped):
    quiet = analyse(["Thanks, the new plan works fine and the app is lovely",
                     "Come faccio a scaricare la fattura di ottobre?"], *shipped)
    assert [a.risks for a in quiet] == [(), ()]
