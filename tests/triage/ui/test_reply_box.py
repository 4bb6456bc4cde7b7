"""The reply box: prefilled with the top suggestion, the others one click away, provenance stored on send."""

from __future__ import annotations

import pytest

from conftest import open_mention, start_dashboard
from triage.context import Context
from triage.db.store import open_store
from triage.replies.history import forget
from triage.replies.suggest import for_mention


@pytest.fixture
def app(demo_db_url, monkeypatch):
    for name in ("TRIAGE_LLM_URL", "TRIAGE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    yield start_dashboard(monkeypatch, demo_db_url, timeout=300, TRIAGE_SIGNATURE="^GB")
    forget(open_store(demo_db_url))


def test_prefill_switch_and_send_keep_the_provenance(app, demo_db_url):
    store = open_store(demo_db_url)
    top = store.queue()[0]
    expected = for_mention(Context(store), store.get(top.id), "^GB").suggestions
    assert len(expected) >= 3
    at = open_mention(app, top.id)
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
