"""The incident's group reply in the dashboard: a draft per language and register, sent only after a confirmation."""

from __future__ import annotations

from conftest import open_mention
from triage.context import Context
from triage.db.store import open_store
from triage.queue.workflow import ACTIONABLE
from triage.ranking.incidents import members, summaries
from triage.replies.group_reply import group_drafts


def test_drafts_per_language_then_confirm_then_send_to_each_post(reply_app, demo_db_url):
    store = open_store(demo_db_url)
    incident_id = max(summaries(store, [r.incident_id for r in store.mentions()]).items(),
                      key=lambda kv: kv[1].open)[0]
    open_members = [m for m in members(store, incident_id) if m.status in ACTIONABLE]
    drafts = group_drafts(Context(store), incident_id, "^GB")
    at = open_mention(reply_app, open_members[0].id)
    boxes = {d.key: at.text_area(key=f"group-reply-{incident_id}-{d.key}") for d in drafts}
    assert [boxes[d.key].value for d in drafts] == [d.text for d in drafts]
    assert all(f"goes to {d.count} post(s)" in " ".join(c.value for c in at.caption) for d in drafts)
    send = at.button(key=f"group-{incident_id}")
    assert send.label == f"Send to {len(open_members)} posts" and send.disabled  # not before the confirmation
    at.checkbox(key=f"group-confirm-{incident_id}").check().run()
    assert not at.button(key=f"group-{incident_id}").disabled
    at.button(key=f"group-{incident_id}").click().run()
    assert not at.exception, at.exception
    by_member = {m: d.text for d in drafts for m in d.members}
    for member in open_members:
        [*_, reply] = store.replies_for([member.id])[member.id]
        assert reply.text == by_member[member.id]  # its own language's draft
        assert store.get(member.id).status == "replied" and store.audit_for(member.id)[-1].actor == "giulia"
