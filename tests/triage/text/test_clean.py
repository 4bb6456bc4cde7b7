"""Text on the way in: control characters out (newline and tab kept), length bounded."""

from __future__ import annotations

from triage.text.clean import MAX_TEXT_CHARS, bounded_raw, bounded_text, clean_text


def test_nul_and_other_control_characters_are_removed_newline_and_tab_kept():
    assert clean_text("wifi\x00 down\x07\x1b[31m\tagain\nnow\x7f\x85") == "wifi down[31m\tagain\nnow"


def test_carriage_returns_become_newlines():
    assert clean_text("one\r\ntwo\rthree") == "one\ntwo\nthree"


def test_unpaired_surrogates_are_removed_emoji_and_joiners_kept():
    assert clean_text("bad\ud800 family 👨\u200d👩\u200d👧") == "bad family 👨\u200d👩\u200d👧"


def test_a_long_text_is_cut_at_the_limit_and_says_how_long_it_was():
    text, truncated_from = bounded_text("a" * (MAX_TEXT_CHARS + 5))
    assert (len(text), truncated_from) == (MAX_TEXT_CHARS, MAX_TEXT_CHARS + 5)
    assert bounded_text("short") == ("short", None)


def test_long_strings_in_raw_are_cut_and_nothing_else_changes():
    raw = {"text": "x" * 20, "nested": [{"body": "y" * 20}], "n": 3, "ok": "\x00kept"}
    assert bounded_raw(raw, limit=5) == {"text": "xxxxx", "nested": [{"body": "yyyyy"}], "n": 3, "ok": "\x00kept"}
