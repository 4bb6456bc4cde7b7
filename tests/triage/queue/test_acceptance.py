"""Suggestion acceptance: replies sent nearly as suggested, by the suggestion's source."""

from __future__ import annotations

from datetime import timedelta

from conftest import make_mention
from triage.queue import workflow
from triage.queue.acceptance import acceptance_figures as suggestion_acceptance
from triage.queue.acceptance import suggestion_acceptance as acceptance_report


def test_accepted_means_at_most_a_tenth_of_the_suggestion_edited():
    suggestion = "x" * 100
    figures = suggestion_acceptance([
        ("faq", suggestion, 10), ("faq", suggestion, 11), ("history", "y" * 40, 0), (None, None, None),
    ])
    assert figures["faq"] == {"replies": 2, "accepted": 1, "share": 0.5}
    assert figures["history"] == {"replies": 1, "accepted": 1, "share": 1.0}
    assert figures["none"] == {"replies": 1, "accepted": 0, "share": 0.0}
    assert figures["all"]["replies"] == 3 and abs(figures["all"]["share"] - 2 / 3) < 1e-9
    assert suggestion_acceptance([]) == {}


def test_the_report_reads_provenance_stored_by_the_workflow(store, now):
    ids = store.upsert_mentions([make_mention(str(i), f"post {i}") for i in range(4)]).inserted
    draft = "Hi Marta, sorry about that. Could you DM us your account number? ^GB"
    workflow.reply(store, ids[0], "giulia", draft, now=now, suggestion_source="template", suggestion_text=draft)
    workflow.reply(store, ids[1], "giulia", draft.replace("sorry about that", "so sorry for this mess, truly"),
                   now=now, suggestion_source="template", suggestion_text=draft)
    workflow.reply(store, ids[2], "tom", draft + " Ta", now=now, suggestion_source="history",
                   suggestion_text=draft)
    workflow.reply(store, ids[3], "tom", "written from scratch", now=now - timedelta(days=40))
    table = acceptance_report(store, now=now, days=30)
    assert list(table.index) == ["history", "template", "all"]  # the 40-day-old reply is outside the period
    assert table.loc["template", "replies"] == 2 and table.loc["template", "accepted"] == 1
    assert table.loc["history", "share"] == 1.0
    assert table.loc["all", "accepted"] == 2
