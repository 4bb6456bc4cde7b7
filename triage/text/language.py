"""Language identification with py3langid, restricted to the languages brands meet most."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import LanguageIdentifier, _load_identifier

from triage.text.normalize import normalize

# A closed set avoids absurd guesses on short posts ("ok thanks!!" is not Latin).
LANGUAGES: tuple[str, ...] = ("en", "it", "es", "fr", "de", "pt", "nl")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return _load_identifier(norm_probs=True, langs=list(LANGUAGES))


# The brand's own languages get a prior: short posts are ambiguous and a customer of an
# English and Italian brand most likely writes in one of those two.
PRIMARY: tuple[str, ...] = ("en", "it")
_OTHER_WEIGHT = 0.25


@lru_cache(maxsize=4096)
def detect_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of ``text``'s language; ``default`` when there is no text to judge.

    Remembered for the last 4,096 texts: one classification pass asks for the same text's language more than
    once (the risk thresholds per language, the Italian sentiment routing, the n-gram readers, the pipeline's
    language stage), and the answer never changes."""
    cleaned = normalize(text).replace("@user", " ").replace("http", " ")
    letters = sum(ch.isalpha() for ch in cleaned)
    if letters < 3:
        return default
    ranked = _identifier().rank(cleaned)
    weighted = [(prob * (1.0 if lang in PRIMARY else _OTHER_WEIGHT), lang) for lang, prob in ranked]
    return str(max(weighted)[1])
