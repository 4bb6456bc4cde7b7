"""Answering an incident: one draft per language and register of its unanswered posts, sent only when confirmed.

``group_drafts`` splits the incident's unanswered members by the language a reply is written in
(English or Italian; other languages get English) and by register (Italian *tu*/*Lei*, English
formal/informal), and drafts one reply for each part from the reviewed templates and FAQ (never
from another customer's reply: it goes to many people), within the strictest length limit among
the part's channels, unsigned to no one in particular. The agent reviews and edits the drafts,
then confirms; ``send_group`` refuses without that confirmation and sends each member its
part's reply through ``triage.replies.sending.send_reply``, the path a single reply takes
(exactly-once lease, dry run respected, over-limit refused). Members another agent holds, or that
were answered meanwhile, are skipped and listed with why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from triage.access.roles import Who, name_of, require
from triage.context import Context
from triage.db.schema import MentionRow
from triage.errors import GroupNotConfirmed, MentionNotFound, ReplyTooLong, SendingError, WorkflowConflict
from triage.queue.workflow import ACTIONABLE
from triage.ranking.incidents import members
from triage.replies.drafts import DraftRequest, Provenance, suggest
from triage.replies.limits import length_limit, measured_length
from triage.replies.rules import REPLY_LANGUAGES
from triage.replies.sending import SendResult, send_reply
from triage.replies.suggest import tone_of

LANGUAGE_NAMES = {"en": "English", "it": "Italian"}


@dataclass(frozen=True)
class GroupDraft:
    """One reply for the incident's unanswered posts in one language and register."""

    language: str
    register: str
    text: str
    members: tuple[int, ...]  # the mentions this draft goes to
    channels: tuple[str, ...]
    limit: int  # the strictest length limit among those posts' channels
    limits: tuple[tuple[str, int], ...] = ()  # (channel, its strictest limit among these posts)
    source: str = "template"  # which suggestion it started from
    origin: Provenance | None = None
    suggested: str = ""  # the text as drafted (``text`` is the agent's edit)

    @property
    def key(self) -> str:
        return f"{self.language}-{self.register}"

    @property
    def count(self) -> int:
        return len(self.members)

    def label(self) -> str:
        """E.g. ``Italian · informal (tu) · 12 posts on x, bluesky · at most 280 characters``."""
        address = {"formal": " (Lei)", "informal": " (tu)"}.get(self.register, "") if self.language == "it" else ""
        posts = f"{self.count} post{'s' if self.count != 1 else ''}"
        return (f"{LANGUAGE_NAMES.get(self.language, self.language)} · {self.register}{address} · {posts} on "
                f"{', '.join(self.channels)} · at most {self.limit} characters")


@dataclass
class GroupSent:
    sent: list[tuple[int, SendResult]] = field(default_factory=list)  # (mention id, result), one per member
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (mention id, why)

    @property
    def posted(self) -> int:
        return sum(result.posted for _, result in self.sent)

    def summary(self) -> str:
        """One line for the agent."""
        recorded = len(self.sent) - self.posted
        line = f"Group reply: {len(self.sent)} post(s) answered ({self.posted} posted, {recorded} recorded)"
        if self.skipped:
            line += f"; {len(self.skipped)} skipped ({self.skipped[0][1]})"
        return line + "."


def unanswered(ctx: Context, incident_id: int) -> list[MentionRow]:
    """The incident's members an agent can still answer (oldest first)."""
    group = members(ctx.store, incident_id)
    if not group:
        raise MentionNotFound(f"no incident with id {incident_id}; refresh the queue")
    return [m for m in group if m.status in ACTIONABLE]


def _part(row: MentionRow) -> tuple[str, str]:
    tone = tone_of(row)
    language = tone.language if tone.language in REPLY_LANGUAGES else "en"
    return language, tone.register


def group_drafts(ctx: Context, incident_id: int, signature: str = "") -> list[GroupDraft]:
    """One draft per language and register among the incident's unanswered posts, the largest part first."""
    parts: dict[tuple[str, str], list[MentionRow]] = {}
    for row in unanswered(ctx, incident_id):
        parts.setdefault(_part(row), []).append(row)
    drafts = []
    for (language, register), rows in parts.items():
        limits: dict[str, int] = {}
        for row in rows:
            limits[row.channel] = min(limits.get(row.channel, 10**6), length_limit(row.channel, row.raw))
        channel = min(limits, key=lambda c: (limits[c], c))
        # the angriest post sets the apology; no name: the same words go to every post of the part
        sample = max(rows, key=lambda row: (row.p_negative or 0.0, -row.id))
        best, limit = None, limits[channel]
        for _ in range(3):  # X counts a link as 23: a draft fitted for X may be longer elsewhere
            request = DraftRequest(sample.text, channel, "", language, sample.sentiment, sample.p_negative or 0.0,
                                   signature, intent="complaint", seed=incident_id, limit=limit, count=1)
            suggestions = suggest(request)[1]
            best = suggestions[0] if suggestions else None
            over = max((measured_length(best.text, c) - limits[c] for c in limits), default=0) if best else 0
            if over <= 0:
                break
            limit -= over
        drafts.append(GroupDraft(language, register, best.text if best else "", tuple(row.id for row in rows),
                                 tuple(sorted(limits)), min(limits.values()), tuple(sorted(limits.items())),
                                 best.source if best else "template", best.origin if best else None,
                                 best.text if best else ""))
    return sorted(drafts, key=lambda d: (-d.count, d.language, d.register))


def send_group(ctx: Context, who: Who, drafts: Sequence[GroupDraft], confirmed: bool) -> GroupSent:
    """Send each draft to its posts through the single-reply path; refused unless ``confirmed``, and
    unless ``who`` may answer a group (leads and above; ``AccessDenied``).

    Nothing is sent when a draft is empty or over a limit. ``drafts`` carry the agent's edited texts.
    """
    agent = name_of(require(who, "answer_group"))
    total = sum(d.count for d in drafts)
    if not confirmed:
        raise GroupNotConfirmed(f"review the {len(drafts)} draft(s), then confirm to send to {total} posts")
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    for draft in drafts:
        if not draft.text.strip():
            raise WorkflowConflict(f"the {draft.label().split(' · ')[0]} draft is empty; write it or remove it")
        for channel, limit in draft.limits or tuple((c, draft.limit) for c in draft.channels):
            length = measured_length(draft.text, channel)
            if length > limit:
                raise ReplyTooLong(f"the {LANGUAGE_NAMES.get(draft.language, draft.language)} draft is {length} "
                                   f"characters on {channel}, which allows {limit}; shorten it")
    result = GroupSent()
    for draft in drafts:
        for mention_id in draft.members:
            if ctx.store.get(mention_id).status not in ACTIONABLE:
                result.skipped.append((mention_id, "answered or closed since the drafts were made"))
                continue
            try:
                result.sent.append((mention_id, send_reply(ctx, mention_id, who, draft.text, draft.source,
                                                           draft.suggested or None)))
            except (WorkflowConflict, SendingError) as exc:
                result.skipped.append((mention_id, str(exc)))
    if not result.sent:
        raise WorkflowConflict("no post in this incident could be answered; "
                               + "; ".join(why for _, why in result.skipped[:2]))
    return result
