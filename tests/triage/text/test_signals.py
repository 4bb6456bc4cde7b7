"""Urgency signals, each in English and Italian; anger; spam and bots."""

import pytest

from triage.text.signals import anger_strength, detect
from triage.text.spam import looks_like_bot, looks_like_spam, spam_evidence


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("you charged me twice for October", "money"),
        ("still waiting for my refund", "money"),
        ("there's an unauthorised debit of £60 on my card", "money"),
        ("mi avete addebitato due volte la bolletta", "money"),
        ("attendo ancora il rimborso di 129 euro", "money"),
        ("the Lumora Hub is smoking and smells of burnt plastic", "safety"),
        ("my mum's medical alarm is offline because of your outage", "safety"),
        ("the charger melted and gave my son an electric shock", "safety"),
        ("il router si surriscalda, è pericoloso", "safety"),
        ("il telesoccorso di mia nonna è offline da stamattina", "safety"),
        ("someone did a SIM swap and got into my bank", "account_takeover"),
        ("my account was compromised and someone changed my password", "account_takeover"),
        ("mi hanno hackerato l'account", "account_takeover"),
        ("accesso non autorizzato al mio account stanotte", "account_takeover"),
        ("I'm cancelling my contract and going to Ofcom", "churn_legal"),
        ("I've filed with the Ombudsman and spoken to a solicitor", "churn_legal"),
        ("mando la disdetta e chiamo l'avvocato", "churn_legal"),
        ("ho aperto una pratica su ConciliaWeb e segnalato ad AGCOM", "churn_legal"),
        ("need this fixed today, I work from home", "time_pressure"),
        ("I need it before my flight tomorrow", "time_pressure"),
        ("mi serve subito, entro domani", "time_pressure"),
        ("serve un tecnico entro oggi", "time_pressure"),
        ("I'm a journalist writing about the outage", "public_escalation"),
        ("this is going viral, I'll tell everyone", "public_escalation"),
        ("lo faccio sapere a tutti sui social", "public_escalation"),
        ("ne parlerò con un giornalista di Striscia", "public_escalation"),
    ],
)
def test_signal_is_found(text, signal):
    assert signal in [s.name for s in detect(text)]


@pytest.mark.parametrize(
    "text",
    ["love the new app design", "grazie per l'installazione veloce", "how do I activate my eSIM?",
     "come si attiva la eSIM?", ""],
)
def test_calm_posts_have_no_urgency_signal(text):
    assert detect(text) == []


def test_a_news_warning_about_a_scam_is_not_an_account_takeover():
    article = "Scam alert: fake refund texts target customers. Fraudsters ask people to click a link."
    assert "account_takeover" not in [s.name for s in detect(article)]


@pytest.mark.parametrize(
    ("text", "p_anger", "p_negative", "expected"),
    [
        ("you are useless", 0.9, 0.9, 0.855),  # anger weighs the negative sentiment when the model has it
        ("siete inutili", 0.1, 0.9, 0.495),  # negative but not angry: about half
        ("you are useless", 0.9, 0.1, 0.095),  # "anger" in a post that is not negative counts little
        ("the app is slow", None, 0.3, 0.0),  # no anger model, mildly negative: no anger
        ("ok", None, None, 0.0),
    ],
)
def test_anger_comes_from_p_anger_when_the_model_has_it(text, p_anger, p_negative, expected):
    assert anger_strength(text, p_anger, p_negative) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["This is DISGRACEFUL, absolutely FUMING!!!", "VERGOGNA, sono FURIOSA, basta!!!"])
def test_without_p_anger_strong_negative_text_with_angry_words_counts_more(text):
    calm = anger_strength("the parcel is late", None, 0.7)
    angry = anger_strength(text, None, 0.7)
    assert angry > calm >= 0.7


def test_giveaways_and_phishing_look_like_spam():
    assert looks_like_spam("GIVEAWAY! free iPhone 16, click here bit.ly/lumora-win")
    assert looks_like_spam("Lumora refund centre: claim your money back https://lumora-refunds.example")
    assert looks_like_spam("Vinci un regalo! clicca qui http://promo.example")
    assert looks_like_spam("Your account will be suspended in 24h due to unusual activity. "
                           "Verify now: x-verify.example")
    assert looks_like_spam("per il rimborso contattaci su WhatsApp al +39 351 000 0000, scrivimi in privato")
    assert not looks_like_spam("my refund never arrived, it's been 3 weeks")
    assert not looks_like_spam("PSA: phishing texts pretending to be the refund centre, "
                               "claim your money link, don't click")


def test_link_farms_and_bots():
    farm = "Lumora Lumora Lumora broadband deals cheap cheap best price topdeals.example #broadband #deals #uk #cheap"
    assert "repeated words" in spam_evidence(farm) and "hashtag stuffing" in spam_evidence(farm)
    assert looks_like_spam(farm)
    assert looks_like_bot("deals4u_2391847", 2, "great prices here shop.example/x")
    assert looks_like_bot("free_promo_it", 30, "guarda qui offerte.example/lumora")
    assert not looks_like_bot("marta_rm", 300, "my bill is wrong, see lumora.example/bill")
    assert not looks_like_bot("deals4u_2391847", 2, "no link in this one")
