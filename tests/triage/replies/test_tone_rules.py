"""One checker for every tone rule: each rule caught on a reply that breaks it, silent on one that keeps it."""

from __future__ import annotations

import pytest

from triage.replies.rules import LENGTH_LIMITS, RULES, check, measured_length, signals_of
from triage.replies.tone import profile

EN_CALM = profile("hi, how do I download my bills as PDF?")
IT_FORMAL = profile("Buongiorno, potrebbe dirmi come scaricare le fatture? Cordiali saluti")
IT_INFORMAL = profile("ciao, mi dici come scarico le fatture?")
GOOD_EN = "Hi Sam, your bills are in the app under Billing > Invoices. https://help.lumora.example/en/billing ^AB"


def rules(violations):
    return {v.rule for v in violations}


def test_a_good_reply_breaks_nothing():
    assert check(GOOD_EN, EN_CALM, "x", "question", signature="^AB") == []
    assert check("Buongiorno, trova le fatture in app alla voce Fatture. Resto a disposizione. ^AB",
                 IT_FORMAL, "x", "question", signature="^AB") == []
    assert check("Ciao, trovi le fatture in app alla voce Fatture. Se hai dubbi scrivimi pure. ^AB",
                 IT_INFORMAL, "x", "question", signature="^AB") == []


def test_language_must_be_the_posts():
    english_to_italian = "Hi, your bills are in the app under Billing, let me know if you need anything else. ^AB"
    assert "language" in rules(check(english_to_italian, IT_INFORMAL, "x", "question", signature="^AB"))


def test_other_languages_are_answered_in_english():
    spanish = profile("Hola, ¿cómo descargo mis facturas en PDF? Gracias")
    assert spanish.language == "es"
    assert "language" not in rules(check(GOOD_EN, spanish, "x", "question", signature="^AB"))


@pytest.mark.parametrize(
    ("reply", "tone"),
    [
        ("Ciao, trovi le fatture in app. Se hai dubbi scrivimi pure.", IT_FORMAL),
        ("Buongiorno, trova le fatture in app. Se ha dubbi mi scriva pure, La aiuto volentieri.", IT_INFORMAL),
        ("Hey, ugh, your bills are in the app lol, gonna be fine.",
         profile("Dear Lumora, I would like my bills. Kind regards")),
    ],
)
def test_register_lei_for_formal_tu_for_informal_no_slang_for_formal_english(reply, tone):
    assert "register" in rules(check(reply, tone, "x", "question"))


def test_emoji_only_when_the_customer_used_them_and_never_on_money_safety_or_loss():
    plain = profile("love the new app")
    happy = profile("love the new app 😍")
    assert "emoji" in rules(check("Hi, thanks so much! 💙", plain, "x", "praise"))
    assert "emoji" not in rules(check("Hi, thanks so much! 💙", happy, "x", "praise"))
    for post in ("you charged me twice 😡", "my hub is smoking 😱", "my phone was stolen 😭"):
        tone = profile(post)
        assert "emoji" in rules(check("Hi, sorry about that. Please DM us. 🙂", tone, "x", "complaint",
                                      signals_of(post)))


def test_apology_is_proportional_to_intensity():
    furious = profile("THIS IS RIDICULOUS!!! NO INTERNET FOR 3 DAYS!!!", p_negative=0.95)
    mild = profile("my internet was a bit slow yesterday", p_negative=0.3)
    assert "empathy" in rules(check("Hi, please restart the Hub. ^AB", furious, "x", "complaint", signature="^AB"))
    assert "empathy" not in rules(check("Hi, I'm really sorry about this. ^AB", furious, "x", "complaint",
                                        signature="^AB"))
    assert "empathy" in rules(check("Hi, we are deeply sorry for this. ^AB", mild, "x", "complaint", signature="^AB"))
    assert "empathy" in rules(check("Hi, sorry! Thanks for the kind words.", profile("love it"), "x", "praise"))


@pytest.mark.parametrize("channel", sorted(LENGTH_LIMITS))
def test_length_follows_the_channel(channel):
    limit = LENGTH_LIMITS[channel]
    assert "length" in rules(check("word " * (limit // 5 + 1), EN_CALM, channel, "question"))
    assert "length" not in rules(check("Hi, thanks for asking.", EN_CALM, channel, "question"))


def test_x_counts_a_link_as_23_and_an_emoji_as_2():
    assert measured_length("see https://help.lumora.example/en/very/long/path/to/an/answer", "x") == 4 + 23
    assert measured_length("ok 🙂", "x") == 5 and measured_length("ok 🙂", "bluesky") == 4


def test_personal_data_only_through_a_private_channel():
    assert "personal_data" in rules(check("Hi, what's your account number and date of birth?", EN_CALM, "x",
                                          "complaint"))
    assert "personal_data" not in rules(check("Hi, could you DM us your account number? Please don't post it here.",
                                              EN_CALM, "x", "complaint"))
    assert "personal_data" in rules(check("Ciao, mi dici il codice cliente?", IT_INFORMAL, "x", "complaint"))
    assert "personal_data" not in rules(check("Ciao, mi scrivi in DM il codice cliente?", IT_INFORMAL, "x",
                                              "complaint"))


def test_no_promise_of_refunds_or_dates_a_template_does_not_make():
    assert "promises" in rules(check("Hi, we'll refund you by tomorrow.", EN_CALM, "x", "complaint"))
    assert "promises" in rules(check("Ciao, ti rimborseremo entro 24 ore.", IT_INFORMAL, "x", "complaint"))
    reviewed = ["The switch normally happens within one working day."]
    assert "promises" not in rules(check("Hi, the switch normally happens within one working day.", EN_CALM, "x",
                                         "question", allowed=reviewed))


def test_signed_with_the_agents_signature():
    assert "signature" in rules(check("Hi, thanks! ^GB", EN_CALM, "x", "praise", signature="^AB"))
    assert "signature" not in rules(check("Hi, thanks! ^AB", EN_CALM, "x", "praise", signature="^AB"))


def test_every_rule_has_a_name_the_evaluation_reports():
    assert RULES == ("language", "register", "emoji", "empathy", "length", "personal_data", "promises", "signature")
