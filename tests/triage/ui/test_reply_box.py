"""The reply box: prefilled with the top suggestion, the others one click away, provenance stored on send."""

from __future__ import annotations

from conftest import open_mention
from triage.context import Context
from triage.db.store import open_store
from triage.replies.suggest import for_mention


def test_prefill_switch_and_send_keep_the_provenance(reply_app, demo_db_url):
    store = open_store(demo_db_url)
    top = store.queue()[0]
    expected = for_mention(Context(store), store.get(top.id), "^GB").suggestions
    assert len(expected) >= 3
    at = open_mention(reply_app, top.id)
    box = at.text_area(key=f"reply-{top.id}")
    assert box.value == expected[0].text  # prefilled with the top suggestion
    assert any(t.value.startswith("Tone: ") for t in at.text)
    assert store.get(top.id).tone is not None  # the tone profile is stored with the mention
    labels = [at.button(key=f"use-{top.id}-{i}").label for i in range(len(expected))]
    assert labels == [f"{i + 1}. {s.source}" for i, s in enumerate(expected)]

    at.button(key=f"use-{top.id}-1").click().run()  # one click replaces the draft
    assert at.text_area(key=f"reply-{top.id}").value == expected[1].text
    at.button(key=f"use-{top.id}-2").click().run()
    assert at.text_area(key=f"reply-{top.id}").value == expected[2].text
    assert any(f"from the {expected[2].source} suggestion" in c.value for c in at.caption)

    at.button(key=f"claim-{top.id}").click().run()
    at.text_area(key=f"reply-{top.id}").set_value(expected[2].text + " Ta").run()
    at.button(key=f"replied-{top.id}").click().run()
    assert not at.exception, at.exception
    sent = store.replies_for([top.id])[top.id][-1]
    assert (sent.suggestion_source, sent.suggestion_text, sent.edit_distance) == (
        expected[2].source, expected[2].text, 3)

    at.switch_page("triage/ui/trends_page.py").run()
    assert not at.exception, at.exception
    assert "Suggestion acceptance" in [h.value for h in at.subheader]
    [metric] = [m for m in at.metric if m.label.startswith("Suggestions sent")]
    assert metric.value == "100%"


def test_the_box_counts_against_the_channels_limit_and_send_is_off_past_it(reply_app, demo_db_url):
    store = open_store(demo_db_url)
    post = next(r for r in store.queue() if r.channel == "x" and r.status == "new")
    at = open_mention(reply_app, post.id)
    at.text_area(key=f"reply-{post.id}").set_value("Sorry about this. " * 23 + "^GB").run()  # 417 characters
    assert not at.exception, at.exception
    assert any(c.value.startswith("417 / 280 characters") for c in at.caption)
    assert at.button(key=f"replied-{post.id}").disabled
    assert any("Too long for x: the reply is 417 characters and x allows 280; shorten it by 137" in w.value
               for w in at.warning)
    at.text_area(key=f"reply-{post.id}").set_value("Sorry about this, DM us and we'll look into it. ^GB").run()
    assert any(c.value.startswith("51 / 280 characters") for c in at.caption)
    assert not at.button(key=f"replied-{post.id}").disabled
