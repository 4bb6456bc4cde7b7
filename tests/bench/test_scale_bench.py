"""``bench/scale.py`` builds synthetic mentions and prints the queue's figures (here at a tiny size)."""

from __future__ import annotations

import pytest

from bench.scale import run


def check(lines: list[str], backend: str) -> None:
    assert lines[0].startswith(f"{backend} 300 mentions (built in")
    assert lines[1].strip().startswith("yardstick: SELECT count(*)")
    assert "refresh (dashboard, at most" in lines[2]
    rows = [line for line in lines if line.strip().startswith("open queue:")]
    labels = {r.split(":")[1].split("  ")[0].strip() for r in rows}
    assert labels >= {"exact line count (not run by the page; for comparison)", "page 1 (500 rows)"}
    for row in rows:
        p50, p95 = (float(v) for v in row.split()[-2:])
        assert 0 <= p50 <= p95
    page = next(line for line in lines if "queue page (AppTest)" in line)
    assert "second view" in page and "dashboard peak RSS" in page, page


def test_the_bench_runs_on_sqlite(tmp_path):
    lines: list[str] = []
    run([300], ["sqlite"], repeat=2, log=lines.append, folder=tmp_path)
    check(lines, "sqlite")


@pytest.mark.postgres
def test_the_bench_starts_its_own_postgresql(tmp_path):
    from postgres import find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not found")
    lines: list[str] = []
    run([300], ["postgresql"], repeat=2, log=lines.append, folder=tmp_path)
    check(lines, "postgresql")
