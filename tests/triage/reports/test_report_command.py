"""``python -m triage report``: the report as a file, for any period, team and filters."""

from __future__ import annotations

from openpyxl import load_workbook

from report_data import fill_report_data
from triage.cli import main
from triage.db.store import open_store


def test_report_writes_each_format_and_a_team_report(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = open_store(url)
    fill_report_data(store)
    store.dispose()
    config = tmp_path / "triage.toml"
    config.write_text('[teams]\nbilling = ["anna@lumora.example", "luca"]\n', encoding="utf-8")
    common = ["--period", "2026-11-01..2026-11-07", "--db", url, "--config", str(config)]
    for fmt in ("xlsx", "pdf", "csv"):
        output = tmp_path / f"november.{fmt}"
        assert main(["report", "--format", fmt, "--output", str(output), *common]) == 0
        assert capsys.readouterr().out.startswith(f"{output}: Customer care report 2026-11-01..2026-11-07 ({fmt}")
        assert output.stat().st_size > 0
    team = tmp_path / "billing.xlsx"
    assert main(["report", "--format", "xlsx", "--output", str(team), "--team", "billing", "--channel", "x",
                 *common]) == 0
    agents = [row[0] for row in load_workbook(team)["Agents"].iter_rows(min_row=2, values_only=True)]
    assert agents == ["anna@lumora.example", "luca"]


def test_report_without_a_period_or_with_an_unknown_team_is_one_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["report", "--format", "csv", "--output", str(tmp_path / "r.csv"), "--db", url]) == 2
    assert capsys.readouterr().err.startswith("error: report needs --period, --format and --output")
    assert main(["report", "--period", "2026-11-31..2026-12-01", "--format", "csv", "--output",
                 str(tmp_path / "r.csv"), "--db", url]) == 2
    assert "is not START..END" in capsys.readouterr().err
    assert main(["report", "--period", "last_week", "--format", "csv", "--output", str(tmp_path / "r.csv"),
                 "--team", "nobody", "--db", url]) == 2
    assert "no team named 'nobody' in [teams]" in capsys.readouterr().err
