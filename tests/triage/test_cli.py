"""``python -m triage``: the contract others script against (flags, columns, exit codes)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from triage.db.store import open_store


def run(*args: str, db: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TRIAGE_DB_URL", None)
    if db:
        env["TRIAGE_DB_URL"] = db
    return subprocess.run([sys.executable, "-m", "triage", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def test_help_lists_the_subcommands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "import", "classify", "export", "train"):
        assert command in result.stdout


@pytest.mark.model
def test_classify_adds_sentiment_and_language_columns(tmp_path):
    source = tmp_path / "posts.csv"
    source.write_text(
        "id,body\n1,\"I love the new app, thank you!\"\n"
        "2,My internet has been down for three days. Worst service ever.\n"
        "3,mi avete addebitato due volte la bolletta!!! vergogna\n",
        encoding="utf-8",
    )
    for suffix in (".csv", ".jsonl", ".tsv"):
        output = tmp_path / f"out{suffix}"
        result = run("classify", str(source), "--text-column", "body", "--output", str(output))
        assert result.returncode == 0, result.stderr
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        else:
            with output.open(encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ","))
        assert list(rows[0])[:7] == ["id", "body", "sentiment", "p_negative", "p_neutral", "p_positive", "language"]
        assert list(rows[0])[-5:] == ["intent", "topic", "urgency", "priority", "reasons"]
        assert [r["intent"] for r in rows] == ["praise", "complaint", "complaint"]
        assert rows[2]["topic"] and "money taken" in rows[2]["reasons"].split("; ")
        assert int(rows[2]["priority"]) > int(rows[0]["priority"]) and 0 <= float(rows[2]["urgency"]) <= 1
        # The Italian double-charge complaint still reads positive (0.84) with the n-gram model joined to the
        # sentiment head for Italian, though that is much better on the Italian validation split overall (README,
        # "N-gram models": 0.542 -> 0.769, target 0.70 met); its complaint intent, money reason and priority
        # above carry it to the top.
        assert [r["sentiment"] for r in rows][:2] == ["positive", "negative"]
        assert [r["language"] for r in rows] == ["en", "en", "it"]
        probabilities = [float(rows[0][c]) for c in ("p_negative", "p_neutral", "p_positive")]
        assert abs(sum(probabilities) - 1) < 0.01


def test_classify_names_a_missing_text_column(tmp_path):
    source = tmp_path / "posts.csv"
    source.write_text("id,body\n1,hello\n", encoding="utf-8")
    result = run("classify", str(source), "--output", str(tmp_path / "o.csv"))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: {source}: no column 'text'; columns are: id, body (use --text-column)")


@pytest.mark.model
def test_import_then_export_unanswered(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    source = tmp_path / "export.csv"
    source.write_text(
        "id,text,author,created_at,channel\n"
        "1,My router is broken and nobody answers. Terrible.,anna,2026-11-01T09:00:00Z,x\n"
        "2,Thanks for the quick fix!,bob,2026-11-02T09:00:00Z,x\n"
        "3,,carl,2026-11-02T09:00:00Z,x\n"
        "4,Still no internet after a week. Useless.,dora,2026-11-03T09:00:00Z,reddit\n",
        encoding="utf-8",
    )
    imported = run("import", str(source), "--db", db)
    assert imported.returncode == 1  # done, but a row was bad
    assert f"{source}: line 4: missing text" in imported.stderr
    assert "3 new, 0 already stored, 1 bad rows skipped" in imported.stdout
    assert run("import", str(source), db=db).stdout.count("0 new, 3 already stored") == 1

    report = tmp_path / "unanswered.csv"
    exported = run("export", "--unanswered", "--format", "csv", "--output", str(report), "--db", db)
    assert exported.returncode == 0, exported.stderr
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["author"] for r in rows] == ["anna", "dora"]  # negative only, oldest first
    assert {"channel", "url", "author", "text", "age_hours", "priority"} <= set(rows[0])


def test_an_unreachable_database_is_one_line_and_exit_2(tmp_path):
    result = run("export", "--unanswered", "--output", str(tmp_path / "r.csv"),
                 "--db", "postgresql+psycopg://u:pw@127.0.0.1:1/x")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: cannot open database") and "pw" not in result.stderr


@pytest.mark.model
def test_a_malformed_import_keeps_what_is_stored(tmp_path):
    db = f"sqlite:///{tmp_path / 'keep.db'}"
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "1", "text": "hello", "author": "a", "created_at": "2026-11-01T09:00:00Z"})
                    + "\n")
    assert run("import", str(good), "--db", db).returncode == 0
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{oops\n", encoding="utf-8")
    result = run("import", str(broken), "--db", db)
    assert result.returncode == 1 and "line 1: not valid JSON" in result.stderr
    assert open_store(db).count() == 1


@pytest.mark.parametrize("args", [("import", "nope.csv"), ("classify", "nope.csv", "--output", "o.csv")])
def test_a_missing_file_is_one_line(tmp_path, args):
    result = run(*args, "--db", f"sqlite:///{tmp_path / 'x.db'}") if args[0] == "import" else run(*args)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: nope.csv: no such file"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--output", "r.csv"), "choose a report: --unanswered"),
        (("listen", "--every", "0"), "--every needs a number of seconds above 0, e.g. --every 300"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2_like_argparses_own(tmp_path, capsys, args, message):
    from triage.cli import main

    assert main([*args, "--db", f"sqlite:///{tmp_path / 'u.db'}"]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_export_all_then_import_all_round_trips_every_row(tmp_path, capsys):
    from db_rows import fill_every_table, read_every_table
    from triage.cli import main

    source, target = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    opened = open_store(source)
    counts = fill_every_table(opened.engine)  # two rows in each of the schema's tables
    rows, tables = sum(counts.values()), len(counts)
    dump = tmp_path / "all.jsonl"

    assert main(["export", "--all", "--format", "jsonl", "--output", str(dump), "--db", source]) == 0
    assert capsys.readouterr().out == f"{dump}: {rows} rows from {tables} tables\n"
    assert main(["import", "--all", str(dump), "--db", target]) == 0
    assert capsys.readouterr().out.startswith(f"{dump}: {rows} rows imported, 0 already stored; database ")
    assert main(["import", "--all", str(dump), "--db", target]) == 0
    assert capsys.readouterr().out.startswith(f"{dump}: 0 rows imported, {rows} already stored; ")

    restored = open_store(target)
    assert read_every_table(restored.engine) == read_every_table(opened.engine)
    opened.dispose()
    restored.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--all", "--format", "csv", "--output", "r.csv"),
         "export --all writes JSON lines only; use --format jsonl"),
        (("import", "--all", "dump.jsonl", "--channel", "x"),
         "--channel does not apply to import --all: the file keeps every row's channel"),
    ],
)
def test_whole_database_flags_that_do_not_fit_are_one_line(tmp_path, capsys, args, message):
    from triage.cli import main

    assert main([*args, "--db", f"sqlite:///{tmp_path / 'u.db'}"]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_export_takes_one_report_at_a_time(capsys):
    from triage.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["export", "--all", "--unanswered", "--output", "r.jsonl"])
    assert exited.value.code == 2
    assert "argument --unanswered: not allowed with argument --all" in capsys.readouterr().err


def test_models_list_shows_the_packaged_versions_in_use(tmp_path):
    result = run("models", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["task", "version", "in"]
    assert any(line.split()[:3] == ["sentiment", "packaged", "*"] for line in lines)
    assert any(line.split()[:3] == ["intent", "packaged", "*"] for line in lines)


def test_models_promote_an_unknown_version_is_a_one_line_error():
    result = run("models", "promote", "intent-20200101-000000")
    assert result.returncode == 2
    assert result.stderr.startswith("error: no intent model version 'intent-20200101-000000'")


def test_evaluate_model_on_a_database_without_labels_says_how_to_get_some(tmp_path):
    result = run("evaluate", "model", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 0, result.stderr
    assert "no labels yet" in result.stdout and "import-labels" in result.stdout
