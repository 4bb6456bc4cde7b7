"""``bench/reports.py`` builds synthetic mentions and replies and prints each report's timings (tiny size)."""

from __future__ import annotations

from bench.reports import run


def test_the_reports_bench_runs_on_sqlite(tmp_path):
    lines: list[str] = []
    run([300], ["sqlite"], repeat=2, log=lines.append, folder=tmp_path)
    assert lines[0].startswith("sqlite 300 mentions,") and "yardstick" in lines[1]
    rows = [line for line in lines if line.strip().startswith("last ")]
    assert len(rows) == 14  # seven reports over two periods
    for row in rows:
        p50, p95 = (float(v) for v in row.split()[-2:])
        assert 0 <= p50 <= p95
