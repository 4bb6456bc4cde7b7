"""``bench classify`` prints VADER and the project's model side by side, on every validation set."""

from __future__ import annotations

import pytest

from bench.classify import run
from tiny_data import make_shared_data

pytestmark = pytest.mark.model  # the module's fixture runs the bench on the packaged model


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    lines: list[str] = []
    run(make_shared_data(tmp_path_factory.mktemp("data")), limit=None, speed_sample=16, log=lines.append)
    return lines


def test_every_validation_set_has_a_row_for_vader_the_model_and_its_int8_path(printed: list[str]):
    for name in ("tweeteval val (en)", "umsab en val", "umsab it val", "airline (en, never trained on)"):
        systems = [line[34:71].strip() for line in printed if line.startswith(name)]
        assert systems[0] == "VADER"
        assert systems[1].startswith("ascolto-sentiment") and systems[2].endswith("-int8")
        for line in printed:
            if line.startswith(name):
                macro_recall, macro_f1, accuracy = (float(v) for v in line.split()[-4:-1])
                assert 0 <= macro_recall <= 1 and 0 <= macro_f1 <= 1 and 0 <= accuracy <= 1


def test_the_anger_and_offensive_heads_are_scored(printed: list[str]):
    assert any(line.startswith("anger (tweeteval/emotion/val.tsv)") for line in printed)
    assert any(line.startswith("offensive (tweeteval/offensive/val.tsv)") for line in printed)


def test_speed_at_batch_1_and_64_and_peak_memory_are_printed(printed: list[str]):
    header = printed.index(next(line for line in printed if "texts/s batch 1" in line))
    speeds = printed[header + 1 : header + 4]
    assert speeds[0].startswith("VADER")
    assert speeds[1].startswith("ascolto-sentiment") and speeds[2].split()[0].endswith("-int8")
    for line in speeds:
        assert float(line.split()[-1]) > 0 and float(line.split()[-2]) > 0
    assert printed[-1].startswith("peak memory (RSS) of this process:")
