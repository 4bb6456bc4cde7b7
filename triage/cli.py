"""``python -m triage``: the command line. Each subcommand is a thin wrapper over a library call.

Exit codes: 0 done, 1 done but some input rows were bad, 2 error (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage.errors import InputFileError, TriageError

DB_HELP = "database URL (default: $TRIAGE_DB_URL or sqlite:///data/triage.db)"


class ProgressBar:
    """A tqdm progress bar on stderr, fed by ``(done, total)`` callbacks."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.description, unit="post", file=sys.stderr, leave=False)
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _model() -> Any:
    from triage.models.sentiment import load_sentiment_model

    return load_sentiment_model()


def cmd_demo(args: argparse.Namespace) -> int:
    from triage.db.store import open_store
    from triage.ingest.demo import load_demo

    store = open_store(args.db)
    bar = ProgressBar("classifying")
    result = load_demo(store, _model(), progress=bar)
    bar.close()
    print(f"demo data: {result.mentions} mentions ({result.inserted} new), {result.replies} replies added; "
          f"database {store.url}")
    return 0


def _report_bad_rows(path: Path, errors: Sequence[Any]) -> None:
    for error in errors[:50]:
        print(f"{path}: line {error.line}: {error.message}", file=sys.stderr)
    if len(errors) > 50:
        print(f"{path}: ... and {len(errors) - 50} more bad rows", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from triage.db.store import open_store
    from triage.ingest.pipeline import ingest
    from triage.tables.mentions import read_mentions

    path = Path(args.file)
    parsed = read_mentions(path, args.channel)
    store = open_store(args.db)
    bar = ProgressBar("classifying")
    result = ingest(store, parsed.mentions, _model(), progress=bar)
    bar.close()
    _report_bad_rows(path, parsed.errors)
    print(f"{path}: {result.inserted} new, {result.updated} already stored, {len(parsed.errors)} bad rows skipped")
    return 1 if parsed.errors else 0


def cmd_classify(args: argparse.Namespace) -> int:
    from triage.tables.formats import BadRow, read_rows, table_format, write_rows
    from triage.text.language import detect_language

    source, target = Path(args.input), Path(args.output)
    table_format(target)  # fail before any work on a bad output name
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    errors: list[BadRow] = []
    for line, row in read_rows(source):
        if isinstance(row, BadRow):
            errors.append(row)
        else:
            rows.append(row)
            lines.append(line)
    if rows and args.text_column not in rows[0]:
        raise InputFileError(
            f"{source}: no column '{args.text_column}'; columns are: {', '.join(rows[0])} (use --text-column)"
        )
    texts = [str(row.get(args.text_column) or "") for row in rows]
    bar = ProgressBar("classifying")
    scores = _model().predict(texts, batch_size=args.batch_size, progress=bar)
    bar.close()
    added = ("sentiment", "p_negative", "p_neutral", "p_positive", "language", "p_anger", "p_offensive")
    columns = list(rows[0]) if rows else [args.text_column]
    columns += [c for c in added if c not in columns]
    for row, text, s in zip(rows, texts, scores):
        row.update(sentiment=s.label, p_negative=s.p_negative, p_neutral=s.p_neutral,
                   p_positive=s.p_positive, language=detect_language(text),
                   p_anger="" if s.p_anger is None else s.p_anger,
                   p_offensive="" if s.p_offensive is None else s.p_offensive)
    _add_priority(rows, lines, texts, scores, columns, errors, args.batch_size)
    write_rows(target, rows, columns)
    _report_bad_rows(source, errors)
    print(f"{target}: {len(rows)} rows classified, {len(errors)} bad rows skipped", file=sys.stderr)
    return 1 if errors else 0


def _add_priority(rows: list[dict[str, Any]], lines: list[int], texts: list[str], scores: Sequence[Any],
                  columns: list[str], errors: list[Any], batch_size: int) -> None:
    """Intent, topic, urgency, priority and reasons: the same scoring as ingested mentions."""
    from triage.ingest.table_scoring import SCORE_COLUMNS, FileItem, file_item, score_items
    from triage.models.intent import load_intent_model
    from triage.ranking.priority import configured_weights
    from triage.records import utcnow
    from triage.tables.formats import BadRow

    now = utcnow()
    items = []
    for index, (line, row, text) in enumerate(zip(lines, rows, texts)):
        try:
            items.append(file_item(row, text, now, index))
        except ValueError as exc:
            errors.append(BadRow(line, f"{exc}; scored without its optional columns"))
            items.append(FileItem(text=text, created_at=now, external_id=str(index)))
    intents = load_intent_model().predict(texts, batch_size=batch_size)
    for row, added in zip(rows, score_items(items, scores, intents, now, configured_weights())):
        row.update(added)
    columns += [c for c in SCORE_COLUMNS if c not in columns]


def cmd_export(args: argparse.Namespace) -> int:
    from triage.db.store import open_store
    from triage.ingest.pipeline import refresh_priorities
    from triage.queue.reports import UNANSWERED_COLUMNS, unanswered
    from triage.tables.formats import write_rows

    if not args.unanswered:
        raise TriageError("choose a report: --unanswered")
    output = Path(args.output)
    store = open_store(args.db)
    refresh_priorities(store)
    rows = unanswered(store)
    write_rows(output, rows, UNANSWERED_COLUMNS, fmt=args.format)
    print(f"{output}: {len(rows)} unanswered negative mentions, oldest first")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from triage.training.sentiment import SentimentTrainingConfig, train_sentiment

    if args.task == "intent":
        return _train_intent(args)
    if args.task != "sentiment":
        raise TriageError(f"unknown training task '{args.task}'; available: sentiment, intent")
    data = Path(args.data)
    if not (data / "tweeteval").is_dir():
        raise TriageError(f"{data} does not look like shared/data (no tweeteval folder); pass --data")
    config = SentimentTrainingConfig(seed=args.seed, adapter=not args.frozen,
                                     tweeteval_limit=None if args.frozen else SentimentTrainingConfig.tweeteval_limit)
    card = train_sentiment(data, Path(args.output), config, cache=Path(args.cache) if args.cache else None,
                           log=lambda message: print(message, file=sys.stderr, flush=True))
    for name, figures in card["validation"].items():
        print(f"{name}: macro-recall {figures['macro_recall']:.3f}, macro-F1 {figures['macro_f1']:.3f}, "
              f"accuracy {figures['accuracy']:.3f}")
    return 0


def _train_intent(args: argparse.Namespace) -> int:
    from triage.training.intent import IntentTrainingConfig, train_intent

    data = Path(args.data)
    if not (data / "bitext").is_dir():
        raise TriageError(f"{data} does not look like shared/data (no bitext folder); pass --data")
    output = Path(args.output if args.output != "data/models/sentiment" else "data/models/intent")
    card = train_intent(data, output, IntentTrainingConfig(seed=args.seed),
                        cache=Path(args.cache) if args.cache else Path(".cache/intent"),
                        log=lambda message: print(message, file=sys.stderr, flush=True))
    for name, figures in card["validation"].items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.classify import run

    data = Path(args.data)
    if not (data / "tweeteval").is_dir():
        raise TriageError(f"{data} does not look like shared/data (no tweeteval folder); pass --data")
    run(data, limit=args.limit)
    return 0


EVALUATIONS = ("priority", "replies")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``evaluate WHAT``: each evaluation lives in ``triage/evaluation/<what>.py`` as ``run(args) -> int``."""
    import importlib

    module = importlib.import_module(f"triage.evaluation.{args.what}")
    return int(module.run(args))


def cmd_listen(args: argparse.Namespace) -> int:
    """``listen --once`` / ``--every SECONDS``: one line per source; the first Ctrl-C stops after the current batch."""
    import logging
    import signal

    from triage.config.secrets import load_secrets
    from triage.config.settings import load_config
    from triage.db.store import open_store
    from triage.ingest.listening import LazyModel, StopFlag, listen
    from triage.models.sentiment import load_sentiment_model

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.every is not None and args.every <= 0:
        raise TriageError("--every needs a number of seconds above 0, e.g. --every 300")
    config = load_config(args.config)
    if not config.sources:
        raise TriageError(f"no sources in {config.where}; copy triage.example.toml to triage.toml and enable some")
    store = open_store(args.db)
    stop = StopFlag()

    def on_interrupt(_signum: int, _frame: Any) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.request()
        print("stopping after the current batch is stored (Ctrl-C again to abort it)", file=sys.stderr, flush=True)

    def report(runs: Sequence[Any]) -> None:
        for run in runs:
            print(run.line(), flush=True)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        runs = listen(store, config, LazyModel(load_sentiment_model), every=None if args.once else args.every,
                      report=report, secrets=load_secrets(), only=args.source or (), stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    return 1 if any(run.error for run in runs) else 0


def cmd_suggest(args: argparse.Namespace) -> int:
    """``suggest --text TEXT``: the post's tone profile and ranked reply suggestions."""
    import json
    import os

    from triage.db.store import open_store
    from triage.replies.generation import default_rewriter
    from triage.replies.suggest import for_text

    text = args.text.strip()
    if not text:
        raise TriageError("--text is empty; pass the post to answer, e.g. --text 'my bill is wrong'")
    sentiment, p_negative = None, 0.0
    try:
        scores = _model().predict([text])[0]
        sentiment, p_negative = scores.label, scores.p_negative
    except TriageError as exc:
        print(f"warning: no sentiment ({exc}); intent and intensity use the text alone", file=sys.stderr)
    intent = None
    try:  # the triage's intent model; without it, the rule-based guess
        from triage.models.intent import apply_spam_rules, load_intent_model

        intent = apply_spam_rules(load_intent_model().predict([text])[0], text).intent
    except TriageError as exc:
        print(f"warning: no intent model ({exc}); guessing the intent from the text", file=sys.stderr)
    store = open_store(args.db)
    signature = args.signature if args.signature is not None else os.environ.get("TRIAGE_SIGNATURE", "")
    result = for_text(text, args.channel, args.author or "", store, signature, sentiment, p_negative, intent,
                      rewriter=default_rewriter())
    if args.json:
        print(json.dumps({"tone": result.tone.to_dict(), "intent": result.intent, "history": result.history,
                          "suggestions": [s.to_dict() for s in result.suggestions]}, ensure_ascii=False))
        return 0
    print(f"tone: {result.tone.describe()}")
    print(f"history: {result.history}")
    if not result.suggestions:
        print("no suggestions: this looks like spam")
    notes = {s.note for s in result.suggestions if s.note}
    for note in notes:
        print(f"warning: {note}")
    for number, suggestion in enumerate(result.suggestions, 1):
        print(f"\n{number}. [{suggestion.source}] {suggestion.detail}\n{suggestion.text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage",
        description="Ascolto: hear brand mentions, rank what needs a human, draft the answer.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="load the bilingual demo data set (idempotent)")
    demo.add_argument("--db", help=DB_HELP)
    demo.set_defaults(run=cmd_demo)

    imp = sub.add_parser("import", help="store mentions from a CSV or JSONL file")
    imp.add_argument("file", help="CSV/TSV/JSONL with columns id, text, author, created_at (see README)")
    imp.add_argument("--channel", help="channel name for every row (default: the file's channel column, else 'file')")
    imp.add_argument("--db", help=DB_HELP)
    imp.set_defaults(run=cmd_import)

    cls = sub.add_parser("classify", help="add sentiment, language, intent, topic, urgency, priority and reasons "
                                          "columns to a file")
    cls.add_argument("input", help="CSV, TSV or JSONL file")
    cls.add_argument("--text-column", default="text", help="column holding the text (default: text)")
    cls.add_argument("--output", required=True, help="output file; format by extension (.csv, .tsv, .jsonl)")
    cls.add_argument("--batch-size", type=int, default=64)
    cls.set_defaults(run=cmd_classify)

    exp = sub.add_parser("export", help="write a report, e.g. unanswered complaints")
    exp.add_argument("--unanswered", action="store_true", help="unanswered negative mentions, oldest first")
    exp.add_argument("--format", choices=("csv", "tsv", "jsonl"), default="csv")
    exp.add_argument("--output", required=True, help="file to write")
    exp.add_argument("--db", help=DB_HELP)
    exp.set_defaults(run=cmd_export)

    train = sub.add_parser("train", help="rebuild a shipped model artifact from shared/data")
    train.add_argument("task", choices=("sentiment", "intent"))
    train.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    train.add_argument("--output", default="data/models/sentiment", help="artifact folder to write")
    train.add_argument("--cache",
                       help="folder to keep plain-encoder embeddings between runs (intent; sentiment --frozen)")
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--frozen", action="store_true",
                       help="sentiment: keep the encoder frozen and fit heads only (fast; lower figures)")
    train.set_defaults(run=cmd_train)

    bench = sub.add_parser("bench", help="print benchmark figures (quality, speed, memory)")
    bench.add_argument("what", choices=("classify",))
    bench.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    bench.add_argument("--limit", type=int, help="at most this many rows per validation set")
    bench.set_defaults(run=cmd_bench)

    evaluate = sub.add_parser("evaluate", help="print quality figures on the authored evaluation sets")
    evaluate.add_argument("what", choices=EVALUATIONS)
    evaluate.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    evaluate.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    evaluate.set_defaults(run=cmd_evaluate)

    sug = sub.add_parser("suggest", help="tone profile and reply suggestions for a post")
    sug.add_argument("--text", required=True, help="the post to answer")
    sug.add_argument("--channel", default="x", help="channel the reply goes to (x, bluesky, mastodon, reddit, ...)")
    sug.add_argument("--author", help="the customer's display name (greets them by first name)")
    sug.add_argument("--signature", help="signature to end replies with (default: $TRIAGE_SIGNATURE)")
    sug.add_argument("--json", action="store_true", help="print one JSON object: tone and suggestions")
    sug.add_argument("--db", help=DB_HELP + "; its earlier replies feed the history suggestions")
    sug.set_defaults(run=cmd_suggest)

    listen = sub.add_parser("listen", help="fetch new mentions from the sources in triage.toml")
    when = listen.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="run every enabled source once")
    when.add_argument("--every", type=float, metavar="SECONDS", help="keep polling every SECONDS until Ctrl-C")
    listen.add_argument("--config", help="configuration file (default: $TRIAGE_CONFIG, else ./triage.toml)")
    listen.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    listen.add_argument("--db", help=DB_HELP)
    listen.set_defaults(run=cmd_listen)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except TriageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; everything committed so far is kept", file=sys.stderr)
        return 130
