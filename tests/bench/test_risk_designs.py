"""bench.risk_designs: recall and precision of "model or keyword" per risk and language."""

from __future__ import annotations

from bench.risk_designs import DESIGNS, recall_precision
from triage.tables.customer_posts import CustomerPost


def post(text: str, lang: str, risks: tuple[str, ...]) -> CustomerPost:
    return CustomerPost(id=text[:6], author="a", lang=lang, text=text, intent="complaint", topic=None,
                        sentiment="negative", urgent=bool(risks), risks=risks, split="validation")


def test_a_keyword_hit_counts_as_found_and_other_languages_are_left_out():
    posts = [post("the battery puffed up", "en", ("safety",)), post("my account was hacked", "en", ("safety",)),
             post("thanks, lovely", "en", ()), post("batteria gonfia", "it", ("safety",))]
    found = [{"safety"}, set(), {"safety"}, set()]
    # en: the first found by the model; the second not (the hack is no safety keyword); one false alarm
    assert recall_precision(posts, found, "safety", "en") == (0.5, 0.5)
    assert recall_precision(posts, found, "account_takeover", "en") == (0.0, 0.0)  # "hacked": keyword, not gold
    assert recall_precision(posts, found, "safety", "it") == (0.0, 0.0)


def test_the_shipped_design_is_compared_with_the_head_alone():
    assert list(DESIGNS.values()) == [False, True]
