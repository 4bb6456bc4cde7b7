"""The named risks of a post: what the keyword signals find, joined with what the learned risk head finds.

A risk is one of ``RISKS`` (the names of the matching signals in ``triage.text.signals``):
money taken, a safety risk, an account takeover, a churn or legal threat. The keyword lists
find the phrasings they list; the learned risk model (trained with the intent heads by
``python -m triage train intent``, ``triage.training.risks``: a sigmoid per risk over the
encoder's embedding and the text features, and a character n-gram model beside it,
``triage.models.risk_ngrams``) finds the same risks by meaning: a swollen battery, a changed
two-factor phone number, a parent without heating in the cold. A post carries a risk when
either says so; each risk's threshold, per language, was chosen on the training posts'
cross-validation folds (the model card's ``risk_model`` and ``risk_thresholds``).
"""

from __future__ import annotations

from collections.abc import Iterable

from triage.text.signals import detect

RISKS: tuple[str, ...] = ("money", "safety", "account_takeover", "churn_legal")


def keyword_risks(text: str) -> tuple[str, ...]:
    """The risks the keyword signals find in ``text``, in the order of ``RISKS``."""
    found = {signal.name for signal in detect(text)}
    return tuple(risk for risk in RISKS if risk in found)


def combined_risks(text: str, learned: Iterable[str] = ()) -> tuple[str, ...]:
    """The keyword risks of ``text`` joined with the risk head's ``learned`` ones, in the order of ``RISKS``."""
    found = set(keyword_risks(text)) | set(learned)
    return tuple(risk for risk in RISKS if risk in found)
