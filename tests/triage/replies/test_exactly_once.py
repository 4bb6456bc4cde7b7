"""Every reply is posted exactly once: many agents, double clicks, refusals and a kill -9 mid-send.

The platform is a real HTTP server on localhost (``tests/fake_platform.py``, 0.2 s per post);
agents run as separate processes (``tests/send_agent.py``) against SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import ROOT, make_mention
from fake_platform import FakePlatform, fake_http_kind, fake_platform  # noqa: F401  (fixtures)
from triage.config.settings import Config, SourceConfig
from triage.context import Context
from triage.db.store import QueueFilter, Store, open_store
from triage.errors import SendingError, WorkflowConflict
from triage.queue import workflow
from triage.records import OPEN_STATUSES
from triage.replies.reconcile import reconcile_pending
from triage.replies.sending import send_reply

AGENTS, MENTIONS = 20, 5
CHANNEL = "platform"
TEXT = "Sorry about that, we are on it. ^GB"


def add_mentions(url: str, count: int = MENTIONS) -> list[int]:
    store = open_store(url)
    ids = store.upsert_mentions([make_mention(f"p{i}", channel=CHANNEL, text=f"lumora is down {i}")
                                 for i in range(count)]).inserted
    store.dispose()
    return ids


def write_config(tmp_path: Path, platform: FakePlatform, kind: str = "fake_http", crash_marker: Path | None = None
                 ) -> Path:
    path = tmp_path / "triage.toml"
    crash = f'crash_after_post = "{crash_marker}"\n' if crash_marker else ""
    path.write_text(
        '[sending]\ndry_run = false\n[listeners]\nmodules = ["fake_platform"]\n'
        f'[sources.platform]\nkind = "{kind}"\nchannel = "{CHANNEL}"\nurl = "{platform.url}"\n{crash}',
        encoding="utf-8",
    )
    return path


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    return env


def start_agent(url: str, config: Path, agent: str, go: Path, ids: list[int], clicks: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "send_agent.py"), "--db", url, "--config", str(config),
         "--agent", agent, "--go", str(go), "--clicks", str(clicks), *map(str, ids)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(), cwd=config.parent,
    )


def run_agents(url: str, config: Path, names: list[str], ids: list[int], clicks: int = 1) -> list[dict]:
    """Start every agent, wait until all are ready, let them click at once; their JSON lines."""
    go = config.parent / "go"
    agents = [start_agent(url, config, name, go, ids, clicks) for name in names]
    for agent in agents:
        assert agent.stdout is not None
        assert agent.stdout.readline().strip() == "ready", agent.stderr.read() if agent.stderr else ""
    go.touch()
    lines = []
    for agent in agents:
        out, err = agent.communicate(timeout=600)
        assert agent.returncode == 0, err
        lines += [json.loads(line) for line in out.splitlines() if line.strip()]
    return lines


def live(store: Store, platform: FakePlatform, kind: str = "fake_http", **options: str) -> Context:
    source = SourceConfig("platform", kind, True, {"url": platform.url, "channel": CHANNEL, **options})
    return Context(store, Config(path=Path("triage.toml"), dry_run=False, sources=(source,)), {})


@pytest.mark.postgres
def test_twenty_agents_clicking_send_on_five_mentions_post_five_replies(db_url, tmp_path, fake_platform):
    ids = add_mentions(db_url)
    lines = run_agents(db_url, write_config(tmp_path, fake_platform), [f"agent{n}" for n in range(AGENTS)], ids)

    assert len(fake_platform.posts) == MENTIONS  # publicly: one reply per mention, no more
    assert sorted(p.in_reply_to for p in fake_platform.posts) == [f"p{i}" for i in range(MENTIONS)]
    assert len(lines) == AGENTS * MENTIONS
    assert sum(line["outcome"] == "posted" for line in lines) == MENTIONS
    refusals = {line["message"] for line in lines if line["outcome"] != "posted"}
    assert {line["outcome"] for line in lines} <= {"posted", "refused"}
    assert all(m.startswith("already being sent by agent") or "is already working on this mention" in m
               or m.startswith("this reply was already sent to this mention") for m in refusals), refusals
    store = open_store(db_url)
    replies = store.replies_for(ids)
    assert sorted(len(replies[i]) for i in ids) == [1] * MENTIONS and store.reply_count() == MENTIONS
    assert {r.external_id for rs in replies.values() for r in rs} == {p.id for p in fake_platform.posts}
    assert {store.get(i).status for i in ids} == {"replied"}
    store.dispose()


@pytest.mark.postgres
def test_a_double_click_by_one_agent_posts_once(db_url, tmp_path, fake_platform):
    ids = add_mentions(db_url, 2)
    lines = run_agents(db_url, write_config(tmp_path, fake_platform), ["giulia"], ids, clicks=2)

    assert len(fake_platform.posts) == 2
    assert sorted(line["outcome"] for line in lines) == ["posted", "posted", "refused", "refused"]
    assert {line["message"] for line in lines if line["outcome"] == "refused"} <= {
        "already being sent by giulia; wait for it, then refresh the queue",
        "this reply was already sent to this mention (id r1); nothing was posted again",
        "this reply was already sent to this mention (id r2); nothing was posted again",
    }
    store = open_store(db_url)
    assert store.reply_count() == 2
    store.dispose()


def test_a_second_click_while_sending_is_refused_naming_the_sender(store, fake_platform, fake_http_kind):
    [mention] = store.upsert_mentions([make_mention("p0", channel=CHANNEL)]).inserted
    ctx = live(store, fake_platform)
    fake_platform.latency = 1.0
    first = threading.Thread(target=send_reply, args=(ctx, mention, "giulia", TEXT))
    first.start()
    deadline = time.monotonic() + 30
    while store.get(mention).status != "sending" and time.monotonic() < deadline:
        time.sleep(0.02)
    row = store.get(mention)
    assert (row.status, row.sending_by, row.sending_from) == ("sending", "giulia", "new")
    assert "sending" in OPEN_STATUSES and store.queue(QueueFilter(statuses=["sending"]))[0].id == mention
    for agent in ("giulia", "tom"):
        with pytest.raises(WorkflowConflict, match="^already being sent by giulia; wait for it"):
            send_reply(ctx, mention, agent, TEXT)
    with pytest.raises(WorkflowConflict, match="already being sent by giulia"):
        workflow.claim(store, mention, "tom")
    first.join()
    assert len(fake_platform.posts) == 1 and store.get(mention).status == "replied"
    with pytest.raises(WorkflowConflict, match=r"^this reply was already sent to this mention \(id r1\)"):
        send_reply(ctx, mention, "giulia", TEXT)  # the same click again, after it went out
    assert len(fake_platform.posts) == 1
    [reply] = store.replies_for([mention])[mention]
    assert (reply.state, reply.posted, reply.external_id, len(reply.idempotency_key or "")) == ("posted", True, "r1",
                                                                                                  32)
    assert fake_platform.posts[0].idempotency_key == reply.idempotency_key  # sent along with the post
    assert [(a.action, a.from_status, a.to_status) for a in store.audit_for(mention)] == [("reply", "new", "replied")]


def test_a_refused_post_marks_the_reply_failed_and_gives_the_mention_back(store, fake_platform, fake_http_kind):
    [mention] = store.upsert_mentions([make_mention("p0", channel=CHANNEL)]).inserted
    workflow.claim(store, mention, "giulia")
    fake_platform.refuse = "You are not allowed to reply to this post"
    with pytest.raises(SendingError, match="^not posted on platform: 403 You are not allowed"):
        send_reply(live(store, fake_platform), mention, "giulia", TEXT)
    row = store.get(mention)
    assert (row.status, row.assignee, row.sending_by, row.first_response_at) == ("in_progress", "giulia", None, None)
    assert store.replies_for([mention]) == {}  # nothing shown as sent
    [failed] = store.replies_in_state("failed")
    assert failed.error == "not posted on platform: 403 You are not allowed to reply to this post"

    fake_platform.refuse = None  # the platform takes it this time: the same text may go out now
    assert send_reply(live(store, fake_platform), mention, "giulia", TEXT).external_id == "r1"


def crash_mid_send(url: str, tmp_path: Path, platform: FakePlatform, kind: str) -> int:
    """An agent process that posts and is killed (SIGKILL) before it records the post; the mention's id."""
    [mention] = add_mentions(url, 1)
    config = write_config(tmp_path, platform, kind, crash_marker=tmp_path / "crashed")
    agent = start_agent(url, config, "giulia", tmp_path / "go", [mention])
    assert agent.stdout is not None and agent.stdout.readline().strip() == "ready"
    (tmp_path / "go").touch()
    agent.communicate(timeout=600)
    assert agent.returncode == -9 and (tmp_path / "crashed").exists()
    assert len(platform.posts) == 1  # it went out...
    return mention


def reconcile_cli(url: str, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "triage", "reconcile", "--grace", "0", "--config", str(config),
                           "--db", url], capture_output=True, text=True, env=environment(), cwd=config.parent,
                          timeout=600)


@pytest.mark.postgres
def test_a_kill_between_post_and_record_is_found_on_the_platform_after_restart(db_url, tmp_path, fake_platform):
    mention = crash_mid_send(db_url, tmp_path, fake_platform, "fake_http")
    store = open_store(db_url)
    row = store.get(mention)
    assert (row.status, row.sending_by) == ("sending", "giulia") and store.replies_for([mention]) == {}
    [pending] = store.replies_in_state("pending")  # ...but was not recorded

    done = reconcile_cli(db_url, write_config(tmp_path, fake_platform))  # the restart
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"reply {pending.id}: found on the platform (id r1); marked posted"]
    assert len(fake_platform.posts) == 1  # never posted again
    [reply] = store.replies_for([mention])[mention]
    assert (reply.state, reply.external_id, reply.id) == ("posted", "r1", pending.id)
    row = store.get(mention)
    assert (row.status, row.assignee, row.sending_by) == ("replied", "giulia", None)
    [audit] = store.audit_for(mention)
    assert (audit.actor, audit.action, audit.from_status, audit.to_status) == ("reconcile", "reply", "new", "replied")
    assert reconcile_cli(db_url, write_config(tmp_path, fake_platform)).stdout == "nothing to reconcile\n"
    store.dispose()


def test_a_kill_where_the_platform_cannot_be_searched_flags_the_mention_for_review(sqlite_url, tmp_path,
                                                                                   fake_platform, fake_http_kind):
    mention = crash_mid_send(sqlite_url, tmp_path, fake_platform, "fake_http_blind")
    store = open_store(sqlite_url)
    ctx = live(store, fake_platform, kind="fake_http_blind")
    assert reconcile_pending(ctx).flagged == []  # a fresh pending reply may still be on its way: left alone
    later = Context(store, ctx.config, {}, clock=lambda: ctx.now() + timedelta(minutes=6))
    result = reconcile_pending(later)

    assert len(result.flagged) == 1 and result.posted == [] and len(fake_platform.posts) == 1
    row = store.get(mention)
    assert (row.status, row.assignee, row.sending_by) == ("needs_review", None, None)
    assert "needs_review" in OPEN_STATUSES and store.replies_for([mention]) == {}
    [unsure] = store.replies_in_state("needs_review", [mention])
    assert unsure.text == TEXT
    [audit] = store.audit_for(mention)
    assert (audit.actor, audit.action, audit.to_status) == ("reconcile", "needs_review", "needs_review")
    assert audit.note.startswith("giulia's reply may have been posted before a crash (platform did not show it")
    with pytest.raises(WorkflowConflict, match="already sent to this mention"):  # never re-posted blindly
        send_reply(ctx, mention, "tom", TEXT)
    workflow.close(store, mention, "tom", note="the reply is on the platform")  # a person checked
    assert store.get(mention).status == "closed" and len(fake_platform.posts) == 1


def test_a_stale_sending_lease_without_a_pending_reply_is_released(store, fake_platform, fake_http_kind, now):
    [mention] = store.upsert_mentions([make_mention("p0", channel=CHANNEL)]).inserted
    workflow.claim(store, mention, "giulia", now=now)
    key = "k" * 32
    reply_id = workflow.start_sending(store, mention, "giulia", TEXT, key, now=now)
    store.flag_for_review(reply_id, now, "test")  # (leaves no pending reply; the mention is flagged)
    [other] = store.upsert_mentions([make_mention("p1", channel=CHANNEL)]).inserted
    workflow.start_sending(store, other, "tom", TEXT, "j" * 32, now=now)
    with store.session() as session:  # a lease whose reply row is gone: only the lease is left
        from triage.db.schema import ReplyRow
        session.query(ReplyRow).filter(ReplyRow.mention_id == other).delete()
    ctx = Context(store, live(store, fake_platform).config, {}, clock=lambda: now + timedelta(minutes=6))
    assert reconcile_pending(ctx).released == [other]
    row = store.get(other)
    assert (row.status, row.sending_by) == ("new", None)
    assert [a.action for a in store.audit_for(other)] == ["release"]


def test_listen_settles_half_sent_replies_before_it_fetches(store, fake_platform, fake_http_kind, now):
    from triage.ingest.listening import listen

    [mention] = store.upsert_mentions([make_mention("p0", channel=CHANNEL)]).inserted
    ctx = live(store, fake_platform)
    reply_id = workflow.start_sending(store, mention, "giulia", TEXT, "k" * 32, now=now)  # then the process died
    listen(Context(store, ctx.config, {}, clock=lambda: now + timedelta(minutes=6)))
    assert [r.id for r in store.replies_in_state("needs_review")] == [reply_id]  # the platform has no such post
    assert store.get(mention).status == "needs_review" and fake_platform.posts == []


def test_the_reply_history_waits_for_a_reply_still_being_sent(store, now):
    first, second = store.upsert_mentions([make_mention("p0", channel=CHANNEL), make_mention("p1", channel=CHANNEL)
                                           ]).inserted
    pending = workflow.start_sending(store, first, "giulia", TEXT, "k" * 32, now=now)
    recorded = workflow.reply(store, second, "tom", "Fixed now. ^TB", now=now)
    assert store.replies_after(0) == []  # not past the pending one: the history index would skip it
    store.finish_sending(pending, "r1", now)
    assert [reply.id for reply, _ in store.replies_after(0)] == [pending, recorded]
