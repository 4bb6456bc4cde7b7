"""Normalisation as TweetEval does it, and language identification."""

import pytest

from triage.text.language import detect_language
from triage.text.normalize import normalize


def test_handles_links_and_entities_are_normalised_and_emoji_kept():
    assert normalize("@LumoraHelp down again &amp; again https://t.co/xyz 😡") == "@user down again & again http 😡"
    assert normalize("thanks @anna.bsky.social and @luca@mastodon.uno!") == "thanks @user and @user!"
    assert normalize("mail me at a@b.com") == "mail me at a@b.com"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("mi avete addebitato due volte la bolletta", "it"),
        ("is Lumora down??", "en"),
        ("raga la fibra è giù", "it"),
        ("grazie mille!", "it"),
        ("thanks a lot", "en"),
        ("Hola, mi internet no funciona desde ayer", "es"),
        ("Bonjour, ma connexion ne marche plus depuis hier", "fr"),
    ],
)
def test_language(text, language):
    assert detect_language(text) == language


def test_no_words_means_the_default_language():
    assert detect_language("😡😡😡 !!!", default="it") == "it"


def test_a_text_asked_again_in_the_same_pass_is_not_identified_again():
    post = "Mi avete addebitato due volte la bolletta, rivoglio i miei soldi"
    before = detect_language.cache_info()
    assert detect_language(post) == detect_language(post) == "it"
    after = detect_language.cache_info()
    assert after.hits - before.hits >= 1 and after.misses - before.misses <= 1
