"""``bench/ingest.py`` prints ingestion's speed end to end and per stage, against the yardstick."""

from __future__ import annotations

import pytest

from bench.ingest import run, synthetic_mentions

pytestmark = pytest.mark.model  # the module's fixture runs the bench on the packaged models


def test_synthetic_posts_never_repeat_an_id_or_a_text():
    mentions = synthetic_mentions(1200)
    assert len({(m.channel, m.external_id) for m in mentions}) == 1200
    assert len({m.text for m in mentions}) > 1000


@pytest.fixture(scope="module")
def printed() -> tuple[list[str], dict[str, float]]:
    lines: list[str] = []
    figures = run(n=12, batch_size=8, log=lines.append)
    return lines, figures


def test_the_yardstick_the_classifier_and_end_to_end_are_timed_in_one_run(printed):
    lines, figures = printed
    assert lines[1].startswith("yardstick: plain fp32 forward pass")
    assert lines[2].startswith("classifier: analyse()")
    assert lines[3].startswith("end to end: ingest()")
    for name in ("yardstick", "classifier", "ingest"):
        assert figures[name] > 0
    assert lines[-1].startswith("classifier/yardstick")
    assert "ingest/yardstick" in lines[-1] and "load average" in lines[-1]


def test_every_stage_has_its_seconds(printed):
    lines, figures = printed
    for stage in ("store", "encoder pass", "heads", "language", "signals/priority", "incidents", "tone profiles",
                  "DB writes"):
        assert any(line.startswith(stage) for line in lines)
        assert figures[f"stage {stage}"] >= 0
