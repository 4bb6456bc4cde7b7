"""Urgency signals, in English and Italian."""

import pytest

from triage.signals import detect, looks_like_spam


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("you charged me twice for October", "money"),
        ("mi avete addebitato due volte la bolletta", "money"),
        ("still waiting for my refund", "money"),
        ("the Lumora Hub is smoking and smells of burnt plastic", "safety"),
        ("il router si surriscalda, è pericoloso", "safety"),
        ("my mum's medical alarm is offline because of your outage", "safety"),
        ("someone did a SIM swap and got into my bank", "account_takeover"),
        ("mi hanno hackerato l'account", "account_takeover"),
        ("I'm cancelling my contract and going to Ofcom", "churn_legal"),
        ("mando la disdetta e chiamo l'avvocato", "churn_legal"),
        ("need this fixed today, I work from home", "time_pressure"),
        ("mi serve subito, entro domani", "time_pressure"),
        ("I'm a journalist writing about the outage", "public_escalation"),
    ],
)
def test_signal_is_found(text, signal):
    assert signal in [s.name for s in detect(text)]


@pytest.mark.parametrize(
    "text",
    ["love the new app design", "grazie per l'installazione veloce", "how do I activate my eSIM?", ""],
)
def test_calm_posts_have_no_urgency_signal(text):
    assert detect(text) == []


def test_giveaways_and_phishing_look_like_spam():
    assert looks_like_spam("GIVEAWAY! free iPhone 16, click here bit.ly/lumora-win")
    assert looks_like_spam("Lumora refund centre: claim your money back https://lumora-refunds.example")
    assert looks_like_spam("Vinci un regalo! clicca qui http://promo.example")
    assert not looks_like_spam("my refund never arrived, it's been 3 weeks")
