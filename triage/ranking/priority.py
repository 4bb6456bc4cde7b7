"""Priority 0-100 with the reasons that produced it, and the text's urgency 0-1.

Each reason is a short phrase for the agent and the points it added; the points add up
to the priority (before the 0-100 clamp). Priority depends on the text's classification
(stored: sentiment, anger, intent, topic) and on time (waiting grows), so it can be
recomputed at any moment without classifying again.

How a post's intent weighs: a complaint counts in full, a question a bit less, praise,
news and other posts that need no reply very little, spam not at all (it sinks to 0 and
stays in the database). A named risk beats intent: a post with a money, safety or
account-takeover risk counts in full whatever its intent, and its positive tone takes
nothing off (``intent_factor``, ``overriding_risks``). Members of an incident gain with the
incident's unanswered load: each unanswered member counts half a post plus its urgency
(``IncidentLoad``), so a big unanswered outage rises to the top of the queue. The learned urgency head's
probability (``mentions.p_urgent``) adds "urgent by meaning" with up to ``learned_urgency`` points. Weights and
per-channel SLAs come from ``[priority]`` in ``triage.toml`` (see ``PriorityWeights`` and
the README table for the defaults).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from triage.errors import PriorityConfigError
from triage.models.intent import DEFAULT_TOPIC_NAMES
from triage.ranking.intent import intent_of, overriding_risks, risks_of
from triage.records import OPEN_STATUSES, Priority, Reason, as_utc
from triage.text.signals import SIGNALS, anger_strength, detect

if TYPE_CHECKING:
    from triage.config.settings import Config

# Hours within which a channel's customers expect a first answer.
DEFAULT_SLA_HOURS: dict[str, float] = {
    "x": 1.0, "bluesky": 2.0, "mastodon": 2.0, "reddit": 4.0,
    "appstore": 24.0, "googleplay": 24.0, "rss": 24.0, "file": 8.0,
}
# How much of the other points a post of each intent keeps (unclassified posts count in full).
DEFAULT_INTENT_FACTORS: dict[str, float] = {
    "complaint": 1.0, "question": 0.75, "feedback": 0.5, "praise": 0.2, "other": 0.25, "spam": 0.0,
}
# Points for the intent itself.
DEFAULT_INTENT_POINTS: dict[str, float] = {
    "complaint": 10.0, "question": 6.0, "feedback": 2.0, "praise": 0.0, "other": 0.0, "spam": 0.0,
}

LEARNED_URGENCY_PHRASE = "urgent by meaning"  # the reason the learned urgency head gives (one phrase: "wrong" marks it)
LEARNED_URGENCY_POINTS = 16.0


@dataclass
class PriorityWeights:
    """Points per signal; documented defaults, overridable in ``[priority]`` of triage.toml."""

    negative: float = 30.0  # anger / strong negative emotion, times its strength (0-1)
    money: float = 18.0
    safety: float = 30.0
    account_takeover: float = 22.0
    churn_legal: float = 14.0
    public_escalation: float = 10.0
    time_pressure: float = 8.0
    waiting_max: float = 20.0  # reached at 4x the channel's SLA
    reach_max: float = 14.0  # reached at about 100k followers
    engagement_max: float = 8.0  # likes/reposts/comments on the post, reached at about 1,000
    verified: float = 6.0
    vip: float = 15.0
    low_rating: float = 12.0  # a 1-star review; 2 stars get half
    repeat_per_message: float = 7.0
    repeat_max: float = 21.0
    incident_per_doubling: float = 8.0  # per doubling of the incident's unanswered load (IncidentLoad.load)
    incident_max: float = 40.0
    positive_discount: float = 10.0
    # a named risk only the learned risk head found: this share of the signal's points. Its thresholds favour
    # recall (a complaint must not be missed), not ranking: such a risk is shown as a reason, makes the post a
    # complaint, and still beats intent and the positive discount (triage.ranking.intent.overriding_risks)
    learned_risk_share: float = 0.0
    # the learned urgency head (triage.models.urgency, stored as mentions.p_urgent): up to this many points,
    # growing from 0 at p_urgent = learned_urgency_from to the full points at 1. Chosen on the authored train
    # split's out-of-fold probabilities (bench/urgency_weight.py), not on the priority evaluation set
    learned_urgency: float = LEARNED_URGENCY_POINTS
    learned_urgency_from: float = 0.5
    team_urgent: float = 30.0  # an agent marked the mention urgent (triage.queue.corrections)
    team_not_urgent_cap: float = 20.0  # an agent marked it not urgent: the priority stays at or below this
    urgency_scale: float = 60.0  # text points that make urgency 1.0
    sla_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    default_sla_hours: float = 8.0
    intent_factors: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTENT_FACTORS))
    intent_points: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTENT_POINTS))
    vip_handles: tuple[str, ...] = ()
    topic_names: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TOPIC_NAMES))

    @classmethod
    def from_section(cls, section: Mapping[str, Any], where: str = "[priority]") -> PriorityWeights:
        """Defaults overridden by a ``[priority]`` table; tables (sla_hours…) are merged key by key."""
        weights = cls()
        known = {f.name: f for f in fields(cls)}
        for key, value in section.items():
            if key not in known:
                raise PriorityConfigError(f"{where}: unknown key '{key}'; known keys: {', '.join(known)}")
            current = getattr(weights, key)
            try:
                if isinstance(current, dict):
                    if not isinstance(value, Mapping):
                        raise TypeError
                    merged = dict(current)
                    merged.update({str(k): (v if key == "topic_names" else float(v)) for k, v in value.items()})
                    setattr(weights, key, merged)
                elif isinstance(current, tuple):
                    if isinstance(value, str) or not isinstance(value, (list, tuple)):
                        raise TypeError
                    setattr(weights, key, tuple(str(v).lstrip("@").lower() for v in value))
                else:
                    setattr(weights, key, float(value))
            except (TypeError, ValueError):
                expected = ("a table" if isinstance(current, dict) else "a list" if isinstance(current, tuple)
                            else "a number")
                raise PriorityConfigError(f"{where}: '{key}' must be {expected}, not {value!r}") from None
        return weights


def configured_weights(config: Config | str | None = None) -> PriorityWeights:
    """The weights of ``[priority]`` in the configuration (documented defaults for what it leaves out).

    ``config`` is a loaded ``Config``, or the path of one to load (``None``: the usual place).
    """
    from triage.config.settings import Config, load_config

    if not isinstance(config, Config):
        config = load_config(config)
    return PriorityWeights.from_section(config.section("priority"), f"{config.where} [priority]")


@dataclass(frozen=True)
class IncidentLoad:
    """What an incident weighs in its members' priority: its size and its unanswered members' urgency."""

    size: int  # members
    unanswered: int  # members still open with no first response
    urgency: float = 0.0  # the sum of the unanswered members' urgency (0-1 each)

    @property
    def load(self) -> float:
        """Each unanswered member counts half a post plus its urgency: a calm one 0.5, the most urgent 1.5."""
        return 0.5 * self.unanswered + self.urgency


def incident_reason(incident: IncidentLoad, w: PriorityWeights) -> Reason | None:
    """Points for belonging to an incident: ``incident_per_doubling`` per doubling of ``1 + load``, at most
    ``incident_max``; the phrase says how many members are unanswered when not all of them are."""
    if incident.size < 2:
        return None
    points = min(w.incident_max, w.incident_per_doubling * math.log2(1 + incident.load))
    phrase = f"incident: {incident.size} similar posts"
    if incident.unanswered != incident.size:
        phrase += f", {incident.unanswered} unanswered"
    return Reason(phrase, points)


class Scorable(Protocol):
    channel: str
    text: str
    created_at: datetime
    status: str
    author_handle: str
    author_followers: int
    author_verified: bool
    rating: int | None
    p_negative: float | None
    p_positive: float | None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1000:
        return f"{n / 1000:.0f}k" if n >= 10_000 else f"{n / 1000:.1f}k".replace(".0k", "k")
    return str(n)


def _hours(h: float) -> str:
    if h < 1:
        return f"{max(1, round(h * 60))} min"
    if h < 48:
        return f"{h:.0f} h"
    return f"{h / 24:.0f} days"


ENGAGEMENT_KEYS: tuple[str, ...] = (
    "retweet_count", "like_count", "reply_count", "quote_count", "favourite_count", "favourites_count",
    "reblogs_count", "replies_count", "repost_count", "score", "num_comments", "likes", "reposts", "engagement",
)


def engagement_of(raw: Mapping[str, Any] | None) -> int:
    """Likes, reposts and comments on the post, from the platform fields a listener kept in ``raw``."""
    if not raw:
        return 0
    total = 0
    for source in (raw, raw.get("public_metrics") or {}):
        if not isinstance(source, Mapping):
            continue
        for key in ENGAGEMENT_KEYS:
            try:
                total += max(0, int(float(source.get(key) or 0)))
            except (TypeError, ValueError):
                continue
    return total


def _emotion_reason(mention: Any, w: PriorityWeights) -> Reason | None:
    p_anger = getattr(mention, "p_anger", None)
    strength = anger_strength(mention.text or "", p_anger, mention.p_negative)
    if strength < 0.4:
        return None
    if p_anger is not None:
        phrase = "angry" if p_anger >= 0.6 and strength >= 0.6 else "upset"
    else:
        phrase = "strong negative emotion" if strength >= 0.85 else "negative sentiment"
    return Reason(phrase, w.negative * strength)


def text_reasons(mention: Any, w: PriorityWeights) -> list[Reason]:
    """Reasons that come from the post itself (emotion, urgency signals, star rating), unscaled."""
    reasons = []
    emotion = _emotion_reason(mention, w)
    if emotion:
        reasons.append(emotion)
    said = {signal.name for signal in detect(mention.text or "")}
    learned = set(risks_of(mention)) - said
    for signal in SIGNALS:  # the keyword signals in full; a risk only the learned head found, in part
        if signal.name in said:
            reasons.append(Reason(signal.phrase, getattr(w, signal.name)))
        elif signal.name in learned:
            reasons.append(Reason(f"{signal.phrase} (by meaning)", getattr(w, signal.name) * w.learned_risk_share))
    if mention.rating is not None and mention.rating <= 2:
        reasons.append(Reason(f"{mention.rating}-star review", w.low_rating * (3 - mention.rating) / 2))
    learned_urgency = learned_urgency_reason(getattr(mention, "p_urgent", None), w)
    if learned_urgency is not None:
        reasons.append(learned_urgency)
    return reasons


def learned_urgency_reason(p_urgent: float | None, w: PriorityWeights) -> Reason | None:
    """The learned urgency head's reason: ``learned_urgency`` points times how far ``p_urgent`` is above
    ``learned_urgency_from`` (0 there, all of them at 1); None below it or without a probability."""
    if p_urgent is None or w.learned_urgency <= 0 or p_urgent <= w.learned_urgency_from:
        return None
    share = (p_urgent - w.learned_urgency_from) / max(1e-9, 1.0 - w.learned_urgency_from)
    return Reason(LEARNED_URGENCY_PHRASE, w.learned_urgency * min(1.0, share))


def intent_factor(mention: Any, intent: str | None, w: PriorityWeights) -> float:
    """How much of its points a post of ``intent`` keeps: in full when unclassified or when it carries a
    money, safety or account-takeover risk (a named risk beats intent), else ``w.intent_factors``."""
    if intent is None or (intent != "spam" and overriding_risks(mention)):
        return 1.0
    return w.intent_factors.get(intent, 1.0)


def urgency(mention: Any, weights: PriorityWeights | None = None) -> float:
    """How urgent the text is, 0-1, whatever its author, channel or age (stored per mention)."""
    w = weights or PriorityWeights()
    intent = intent_of(mention)  # spam rules win unless an agent said "not spam"
    if intent == "spam":
        return 0.0
    factor = intent_factor(mention, intent, w)
    overrides = getattr(mention, "overrides", None) or {}
    if overrides.get("urgent") is not None:  # a person said so
        return 1.0 if overrides["urgent"] else 0.0
    wrong = set(overrides.get("wrong_reasons", ()))
    points = sum(r.points for r in text_reasons(mention, w) if r.phrase not in wrong) * factor
    return round(min(1.0, max(0.0, points / w.urgency_scale)), 3)


def score(
    mention: Scorable,
    now: datetime,
    earlier_unanswered: int = 0,
    days_span: float = 0.0,
    weights: PriorityWeights | None = None,
    incident_size: int = 0,
    incident: IncidentLoad | None = None,
) -> Priority:
    """Priority of ``mention`` at ``now``.

    ``earlier_unanswered`` counts the same author's earlier open mentions on the channel,
    over ``days_span`` days (repeat contact); ``incident`` is the load of the group of
    near-duplicate posts the mention belongs to (``None``: none; a bare ``incident_size`` counts
    every member unanswered, at no urgency).
    """
    w = weights or PriorityWeights()
    intent = intent_of(mention)  # spam rules win unless an agent said "not spam"
    if intent == "spam":
        return Priority(0, (Reason("looks like spam", 0.0),))
    factor = intent_factor(mention, intent, w)
    risks = overriding_risks(mention)

    scaled: list[Reason] = list(text_reasons(mention, w))
    needs_reply = intent in (None, "complaint", "question", "feedback")
    if mention.status in OPEN_STATUSES and needs_reply:
        family = mention.channel.split(":", 1)[0]  # "file:export.csv" has the SLA of "file"
        sla = w.sla_hours.get(mention.channel, w.sla_hours.get(family, w.default_sla_hours))
        waited = max(0.0, (as_utc(now) - as_utc(mention.created_at)).total_seconds() / 3600)
        if waited >= sla * 0.5:
            points = w.waiting_max * min(1.0, waited / (sla * 4))
            scaled.append(Reason(f"waiting {_hours(waited)}, SLA {_hours(sla)}", points))

    followers = int(mention.author_followers or 0)
    if followers >= 1000:
        points = min(w.reach_max, w.reach_max * math.log10(followers / 1000 + 1) / 2)
        scaled.append(Reason(f"{_compact(followers)} followers", points))
    engagement = engagement_of(getattr(mention, "raw", None))
    if engagement >= 20:
        points = min(w.engagement_max, w.engagement_max * math.log10(engagement / 10) / 2)
        scaled.append(Reason(f"{_compact(engagement)} interactions", points))
    handle = (getattr(mention, "author_handle", "") or "").lstrip("@").lower()
    if handle and handle in w.vip_handles:
        scaled.append(Reason("VIP", w.vip))
    elif mention.author_verified:
        scaled.append(Reason("verified account", w.verified))
    if earlier_unanswered > 0:
        nth = earlier_unanswered + 1
        span = f" in {max(1, math.ceil(days_span))} days" if days_span >= 1 else " today"
        points = min(w.repeat_max, w.repeat_per_message * earlier_unanswered)
        scaled.append(Reason(f"{_ordinal(nth)} message{span}", points))
    if incident is None and incident_size >= 2:
        incident = IncidentLoad(incident_size, incident_size)
    joined = incident_reason(incident, w) if incident is not None else None
    if joined is not None:
        scaled.append(joined)

    reasons = [Reason(r.phrase, r.points * factor) for r in scaled]
    if intent:
        label = intent
        topic = getattr(mention, "topic", None)
        if intent == "complaint" and topic:
            label = f"complaint: {w.topic_names.get(topic, topic)}"
        elif intent in ("praise", "other"):
            label = {"praise": "praise, no reply needed", "other": "news or other, no reply needed"}[intent]
        reasons.append(Reason(label, w.intent_points.get(intent, 0.0)))
    p_positive = mention.p_positive or 0.0
    if p_positive >= 0.6 and not risks:  # a named risk wins over a positive tone
        reasons.append(Reason("positive", -w.positive_discount * p_positive))
    return _with_team_labels(reasons, getattr(mention, "overrides", None), w)


def _with_team_labels(reasons: list[Reason], overrides: Mapping[str, Any] | None, w: PriorityWeights) -> Priority:
    """The priority from ``reasons`` once the team's labels apply: reasons marked wrong count nothing,
    "urgent" adds ``team_urgent`` points, "not urgent" caps the priority at ``team_not_urgent_cap``."""
    overrides = overrides or {}
    wrong = set(overrides.get("wrong_reasons", ()))
    reasons = [r for r in reasons if r.phrase not in wrong]
    urgent = overrides.get("urgent")
    if urgent is True:
        reasons.append(Reason("marked urgent by the team", w.team_urgent))
    total = sum(r.points for r in reasons)
    if urgent is False and total > w.team_not_urgent_cap:
        reasons.append(Reason("marked not urgent by the team", w.team_not_urgent_cap - total))
        total = w.team_not_urgent_cap
    reasons.sort(key=lambda r: r.points, reverse=True)
    return Priority(max(0, min(100, round(total))), tuple(reasons))
