"""CSAT, NPS and the post-reply outcome on the hand-computed data set, with a survey file imported."""

from __future__ import annotations

from datetime import datetime, timezone

from report_data import fill_report_data
from triage.cli import main
from triage.db.schema import MentionRow
from triage.db.store import open_store
from triage.queue.period import parse_period
from triage.queue.satisfaction import nps_of, outcomes, satisfaction

WEEK = parse_period("2026-11-01..2026-11-07")
SURVEYS = """kind,score,answered_at,mention_id,conversation_id,channel,author
csat,5,2026-11-04T10:00:00Z,{m1},,,
csat,3,2026-11-04T10:00:00Z,,m2,x,
csat,4,2026-11-04T10:00:00Z,,,x,@user4
nps,10,2026-11-04T11:00:00Z,{m1},,,
nps,6,2026-11-04T11:00:00Z,,m3,reddit,
nps,9,2026-11-05T11:00:00Z,,m5,reddit,
nps,8,2026-11-06T11:00:00Z,,m6,mastodon,
csat,5,2026-11-04T10:00:00Z,,,x,nobody
csat,7,2026-11-04T10:00:00Z,{m1},,,
"""


def test_csat_is_the_share_of_4_and_5_and_nps_is_promoters_minus_detractors(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(url)
    fill_report_data(store)
    m1 = store.find("x", "m1").id
    survey = tmp_path / "surveys.csv"
    survey.write_text(SURVEYS.format(m1=m1), encoding="utf-8")
    assert main(["import-surveys", str(survey), "--db", url]) == 1  # one bad row: csat 7
    out = capsys.readouterr()
    assert "line 10: csat score '7' is not a whole number from 1 to 5" in out.err
    assert out.out.endswith("8 answers stored (1 matched to no mention), 0 already stored, 1 bad rows skipped\n")
    assert main(["import-surveys", str(survey), "--db", url]) == 1
    assert "0 answers stored (0 matched to no mention), 8 already stored" in capsys.readouterr().out

    figures = satisfaction(store, WEEK).set_index(["by", "name"])
    anna = "anna@lumora.example"
    assert figures.loc[("agent", anna), ["csat_answers", "csat_pct", "nps_answers", "nps"]].tolist() == [2, 50.0, 2,
                                                                                                       0.0]
    assert figures.loc[("agent", "luca"), ["csat_pct", "nps"]].tolist() == [100.0, 100.0]
    assert figures.loc[("agent", "marco"), "nps"] == 0.0  # an 8 is passive
    assert figures.loc[("channel", "x"), ["csat_answers", "csat_pct"]].tolist() == [3, 66.7]
    assert nps_of([10, 9, 8, 6, 0]) == 0.0 and nps_of([10, 10, 3]) == 33.3
    store.dispose()


def test_the_outcome_is_the_customers_next_message_within_72_hours(backend):
    store = backend
    fill_report_data(store)
    with store.session() as session:
        for n, (handle, channel, at, sentiment) in enumerate([
            ("user1", "x", datetime(2026, 11, 2, 11, tzinfo=timezone.utc), "positive"),  # thanks anna
            ("user4", "x", datetime(2026, 11, 3, 16, tzinfo=timezone.utc), "negative"),  # still unhappy with luca
            ("user5", "reddit", datetime(2026, 11, 9, 16, tzinfo=timezone.utc), "negative"),  # after 72 h
        ]):
            session.add(MentionRow(channel=channel, external_id=f"next{n}", author_handle=handle, text="later",
                                   created_at=at, fetched_at=at, updated_at=at, sentiment=sentiment, status="new"))
    table = outcomes(store, WEEK).set_index(["by", "name"])
    anna = table.loc[("agent", "anna@lumora.example")]
    assert anna["first_responses"] == 3 and anna["thanked_pct"] == 33.3 and anna["no_reply_pct"] == 66.7
    assert table.loc[("agent", "luca"), ["still_unhappy_pct", "no_reply_pct"]].tolist() == [50.0, 50.0]
