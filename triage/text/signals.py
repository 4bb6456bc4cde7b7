"""Urgency signals found in a post's text, each named, in English and Italian.

A signal is a small, tested pattern set with the phrase shown to the agent. The
sentiment model decides *how* negative a post is; these say *why it cannot wait*.
Signals that are not in the text (anger from the emotion model, reach, VIP status, star
rating, waiting time against the channel's SLA, repeat contact) are computed in
``triage.ranking.priority`` from the mention's other fields; ``anger_strength`` lives here
because it also reads the text. Spam evidence is in ``triage.text.spam``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    name: str
    phrase: str
    pattern: re.Pattern[str]


def word_pattern(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``alternatives`` as whole words."""
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


SIGNALS: tuple[Signal, ...] = (
    Signal("money", "money taken", word_pattern(
        r"double[- ]charged?", r"charged (?:me )?(?:twice|two times|double|again)", r"billed (?:me )?twice",
        r"(?:un)?authori[sz]ed (?:charge|debit|payment|transaction)", r"refund(?:ed|s)?", r"overcharged?",
        r"took my money", r"taken £?\d+", r"money back", r"chargeback", r"direct debit (?:taken|went out) twice",
        r"addebit\w*", r"rimbors\w*", r"due volte", r"soldi", r"prelev\w*", r"pagato due volte",
        r"doppio (?:addebito|pagamento)", r"storn\w*", r"mi avete (?:tolto|preso) \w*",
    )),
    Signal("safety", "safety risk", word_pattern(
        r"fire", r"smoke", r"smoking", r"burn(?:ing|t|ed)?", r"overheat\w*", r"sparks?", r"injur\w*", r"electric shock",
        r"melt(?:ed|ing)?", r"explod\w*", r"danger(?:ous)?", r"unsafe", r"hospital", r"ambulance",
        r"medical (?:alarm|device|equipment)", r"life alarm", r"pacemaker", r"oxygen (?:machine|concentrator)",
        r"insulin pump", r"defibrillator", r"carbon monoxide",
        r"fumo", r"fuoco", r"incendio", r"brucia\w*", r"surriscald\w*", r"scintill\w*", r"pericol\w*", r"ferit\w*",
        r"salvavita", r"scossa", r"esplos\w*", r"fus[oa] (?:la|il) \w+", r"ospedale", r"ambulanza",
        r"allarme medico", r"telesoccorso", r"apparecchio medico", r"dispositivo medico", r"ossigeno",
    )),
    Signal("account_takeover", "account takeover", word_pattern(
        r"hack(?:ed|er|ers)?", r"sim[- ]swap\w*", r"someone (?:has )?(?:logged|got|getting) into",
        r"account (?:was |has been )?(?:stolen|compromised|taken over|hijacked)", r"changed my (?:password|email)",
        r"(?:un)?authori[sz]ed (?:login|access|sign[- ]in)", r"ported (?:out )?my number without",
        r"hackera\w*", r"account rubat\w*", r"rubato (?:l'|il )?(?:account|profilo|numero)", r"clonat\w*",
        r"accesso non autorizzato", r"qualcuno (?:è entrato|ha cambiato|ha fatto accesso)",
        r"cambiato (?:la )?password", r"portabilità (?:fatta )?senza",
    )),
    Signal("churn_legal", "churn or legal threat", word_pattern(
        r"cancel(?:l?ing|l?ed)? (?:my |the )?(?:contract|account|plan|subscription|broadband|direct debit)",
        r"switch(?:ing)? (?:to|provider|networks?)", r"leaving (?:you|lumora)", r"port(?:ing)? (?:my number )?out",
        r"lawyer", r"solicitor", r"sue", r"suing", r"legal action", r"small claims", r"ofcom", r"ombudsman",
        r"trading standards", r"cisas", r"regulator", r"citizens advice", r"consumer rights",
        r"disdett\w*", r"recesso", r"recedere", r"avvocat\w*", r"denunci\w*", r"agcom", r"corecom", r"conciliaweb",
        r"codacons", r"altroconsumo", r"giudice di pace", r"associazion[ei] (?:dei )?consumatori", r"class action",
        r"passo a", r"cambio operatore", r"cambio gestore", r"vi lascio", r"diffida",
    )),
    Signal("public_escalation", "threatens to go public", word_pattern(
        r"going viral", r"go viral", r"tell everyone", r"press", r"journalist", r"reporter", r"newspaper", r"bbc",
        r"watchdog", r"review everywhere", r"trustpilot", r"every platform", r"tiktok", r"watchdog",
        r"giornal\w*", r"striscia(?: la notizia)?", r"le iene", r"lo faccio sapere a tutti", r"sui social",
        r"tutti devono sapere", r"pubblic(?:o|herò) (?:tutto|ovunque)", r"recensioni? ovunque", r"report(?:er)? tv",
    )),
    Signal("time_pressure", "time pressure", word_pattern(
        r"today", r"tonight", r"right now", r"asap", r"urgent(?:ly)?", r"immediately", r"emergency", r"by tomorrow",
        r"before (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|my flight)",
        r"deadline", r"within the hour", r"can'?t wait", r"flight (?:is )?tomorrow",
        r"subito", r"urgente", r"urgenza", r"oggi", r"stasera", r"entro (?:domani|oggi|stasera|lunedì|venerdì)",
        r"immediatamente", r"al più presto", r"quanto prima", r"non posso aspettare", r"domani mattina",
    )),
)

# The named risks: signals that make a post a complaint whatever its sentiment (stored in ``mentions.risks``).
NAMED_RISKS: tuple[str, ...] = ("money", "safety", "account_takeover", "churn_legal")
# The named risks no intent guess may discount: the post is a complaint and counts in full (triage.ranking).
OVERRIDING_RISKS: frozenset[str] = frozenset({"money", "safety", "account_takeover"})


def named_risks(text: str, learned: Iterable[str] = ()) -> tuple[str, ...]:
    """The named risks of a post, in the order of ``NAMED_RISKS``: the keyword signals found in ``text``
    together with ``learned`` (a model's risk names; names that are not named risks are ignored)."""
    found = {signal.name for signal in detect(text)} | set(learned)
    return tuple(name for name in NAMED_RISKS if name in found)


# Channels whose items report on risks rather than have them (news feeds): they carry no named risk.
NEWS_CHANNELS: frozenset[str] = frozenset({"rss"})


def post_risks(text: str, channel: str = "", learned: Iterable[str] = ()) -> tuple[str, ...]:
    """A post's named risks (``named_risks``), none for a news feed's item (``NEWS_CHANNELS``): the
    risks stored in ``mentions.risks`` at classification."""
    if channel.split(":", 1)[0] in NEWS_CHANNELS:
        return ()
    return named_risks(text, learned)


def risks_value(risks: Iterable[str]) -> str:
    """The stored form of named risks: their names joined by commas (``''``: none)."""
    chosen = set(risks)
    return ",".join(name for name in NAMED_RISKS if name in chosen)


def parse_risks(value: str | None) -> tuple[str, ...] | None:
    """The named risks of a stored ``mentions.risks`` value (``None``: not computed yet)."""
    if value is None:
        return None
    names = {part.strip() for part in value.split(",")}
    return tuple(name for name in NAMED_RISKS if name in names)


# Words that show anger in the text itself; used only when the emotion model gave no p_anger.
_ANGER_WORDS = word_pattern(
    r"furious", r"fuming", r"livid", r"disgrace(?:ful)?", r"disgusting", r"pathetic", r"joke", r"useless",
    r"shambles", r"outrageous", r"unacceptable", r"ridiculous", r"sick of", r"fed up", r"wtf", r"f+u+c+k\w*",
    r"vergogn\w*", r"schifo", r"pessim\w*", r"inaccettabile", r"ridicol\w*", r"incazzat\w*", r"arrabbiat\w*",
    r"furios\w*", r"indecent\w*", r"assurdo", r"ladri", r"buffoni", r"basta", r"stufo", r"stufa",
)
_SHOUT = re.compile(r"\b[A-ZÀ-Ý]{4,}\b")


def detect(text: str) -> list[Signal]:
    """The urgency signals present in ``text``, in the order of ``SIGNALS``."""
    return [signal for signal in SIGNALS if signal.pattern.search(text or "")]


def anger_strength(text: str, p_anger: float | None, p_negative: float | None) -> float:
    """How angry the post is, 0-1.

    With the emotion model's ``p_anger`` (which emotion, not how strong), anger weighs
    the negative sentiment: ``p_negative * (0.5 + 0.5 * p_anger)``, so an angry post counts
    in full and a sad or merely disappointed one half. Without it, strong negative
    sentiment stands in, raised by angry words, shouting (several words in capitals) and ``!!!``.
    """
    base = float(p_negative or 0.0)
    if p_anger is not None:
        return max(0.0, min(1.0, base * (0.5 + 0.5 * float(p_anger))))
    text = text or ""
    cues = len(_ANGER_WORDS.findall(text)) + min(2, len(_SHOUT.findall(text)) // 2) + ("!!!" in text)
    if base < 0.4:
        return 0.0
    return min(1.0, base + 0.1 * min(cues, 3))
