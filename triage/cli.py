"""``python -m triage``: the command line. Each subcommand is a thin wrapper over a library call.

Exit codes: 0 done, 1 done but some input rows were bad, 2 error (one line on stderr: a
``TriageError``, e.g. a ``UsageError`` for a flag argparse cannot check, as ``error: <message>``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from triage.config.environment import environment
from triage.errors import ConfigError, TriageError, UsageError

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
    """``import FILE``: store the file's mentions, then (unless ``--no-classify``) run one worker in-process."""
    from triage.context import Context
    from triage.db.store import open_store

    if args.all:
        return _import_all(args)
    from triage.ingest.pipeline import drain_pending, store_mentions
    from triage.records import MAX_CHANNEL_CHARS
    from triage.tables.mentions import read_mentions

    path = Path(args.file)
    if args.channel is not None and not 0 < len(args.channel.strip()) <= MAX_CHANNEL_CHARS:
        raise UsageError(f"--channel needs a name of 1 to {MAX_CHANNEL_CHARS} characters, e.g. --channel support-inbox")
    parsed = read_mentions(path, args.channel.strip() if args.channel else None)
    ctx = Context(open_store(args.db))
    upserted = store_mentions(ctx.store, parsed.mentions)
    if not args.no_classify:
        bar = ProgressBar("classifying")
        try:
            drain_pending(ctx.store, ctx.sentiment, ctx.intent, progress=bar, now=ctx.now())
        finally:
            bar.close()
    _report_bad_rows(path, parsed.errors)
    for refused in upserted.refused:
        print(f"{path}: {refused}", file=sys.stderr)
    refused_note = f", {len(upserted.refused)} refused by the database" if upserted.refused else ""
    print(f"{path}: {len(upserted.inserted)} new, {len(upserted.updated)} already stored, "
          f"{len(parsed.errors)} bad rows skipped{refused_note}")
    return 1 if parsed.errors or upserted.refused else 0


def _import_all(args: argparse.Namespace) -> int:
    from triage.db.dump import import_all
    from triage.db.store import open_store

    if args.channel:
        raise UsageError("--channel does not apply to import --all: the file keeps every row's channel")
    path = Path(args.file)
    store = open_store(args.db)
    counts = import_all(store.engine, path)
    print(f"{path}: {sum(counts.inserted.values())} rows imported, {sum(counts.already_there.values())} already "
          f"stored; database {store.url}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from triage.ingest.table_scoring import read_table, score_table
    from triage.models.intent import load_intent_model
    from triage.tables.formats import table_format, write_rows

    source, target = Path(args.input), Path(args.output)
    table_format(target)  # fail before any work on a bad output name
    table = read_table(source, args.text_column)
    bar = ProgressBar("classifying")
    sentiment_model = _model()
    try:
        scored = score_table(table, sentiment_model, load_intent_model(), batch_size=args.batch_size, progress=bar)
    finally:
        bar.close()
    write_rows(target, scored.rows, scored.columns)
    _report_bad_rows(source, scored.errors)
    print(f"{target}: {len(scored.rows)} rows classified, {len(scored.errors)} bad rows skipped", file=sys.stderr)
    return 1 if scored.errors else 0


def cmd_export(args: argparse.Namespace) -> int:
    from triage.db.store import open_store
    from triage.queue.reports import UNANSWERED_COLUMNS, unanswered
    from triage.ranking.refresh import refresh_priorities
    from triage.tables.formats import write_rows

    if args.all:
        return _export_all(args)
    if not args.unanswered:
        raise UsageError("choose a report: --unanswered")
    output = Path(args.output)
    store = open_store(args.db)
    refresh_priorities(store)
    rows = unanswered(store)
    write_rows(output, rows, UNANSWERED_COLUMNS, fmt=args.format or "csv")
    print(f"{output}: {len(rows)} unanswered complaints (complaint intent or a named risk), oldest first")
    return 0


def _export_all(args: argparse.Namespace) -> int:
    from triage.db.dump import export_all
    from triage.db.store import open_store

    if args.format not in (None, "jsonl"):
        raise UsageError("export --all writes JSON lines only; use --format jsonl")
    output = Path(args.output)
    store = open_store(args.db)
    counts = export_all(store.engine, output)
    print(f"{output}: {sum(counts.written.values())} rows from {len(counts.written)} tables")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``report --period P --format F --output FILE``: the report as a file; ``--scheduled``: e-mail the due ones."""
    from triage.context import Context
    from triage.db.reporting import MentionFilter
    from triage.db.store import open_store
    from triage.queue.period import parse_period
    from triage.reports.files import build_report_file

    ctx = Context(open_store(args.db), config_path=args.config)
    if args.scheduled:
        from triage.reports.schedule import send_due_reports

        result = send_due_reports(ctx)
        for line in result.lines():
            print(line)
        return 1 if result.failed else 0
    if not (args.period and args.format and args.output):
        raise UsageError("report needs --period, --format and --output (or --scheduled), "
                         "e.g. --period 2026-11-01..2026-11-30 --format xlsx --output november.xlsx")
    where = MentionFilter(tuple(args.channel or ()), tuple(args.language or ()), tuple(args.intent or ()),
                          tuple(args.topic or ()))
    period = parse_period(args.period, ctx.now().date())
    report, content = build_report_file(ctx, "cli", period, args.format, where, args.team, args.bom)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(content)
    print(f"{output}: {report.title} ({args.format}, {len(content)} bytes)")
    return 0


def cmd_import_surveys(args: argparse.Namespace) -> int:
    """``import-surveys FILE``: CSAT/NPS answers, matched to the mentions they are about."""
    from triage.db.store import open_store
    from triage.queue.satisfaction import import_surveys

    path = Path(args.file)
    result = import_surveys(open_store(args.db), path)
    _report_bad_rows(path, result.errors)
    print(f"{path}: {result.stored} answers stored ({result.unmatched} matched to no mention), "
          f"{result.already} already stored, {len(result.errors)} bad rows skipped")
    return 1 if result.errors else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from triage.db.backup import backup

    made = backup(Path(args.output), args.db)
    print(f"{made.output}: {made.size} bytes ({made.method})")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from triage.training.sentiment import SentimentTrainingConfig, train_sentiment

    if args.task == "intent":
        return _train_intent(args)
    if args.task == "from-corrections":
        return _train_from_corrections(args)
    if args.task == "urgency":
        return _train_urgency(args)
    if args.task == "ngram":
        return _train_ngram(args)
    if args.task != "sentiment":
        raise UsageError(f"unknown training task '{args.task}'; available: sentiment, intent, urgency, ngram")
    data = Path(args.data)
    if not (data / "tweeteval").is_dir():
        raise UsageError(f"{data} does not look like shared/data (no tweeteval folder); pass --data")
    if args.heads_only:
        return _refit_sentiment_head(args, data)
    config = SentimentTrainingConfig(seed=args.seed, adapter=not args.frozen,
                                     tweeteval_limit=None if args.frozen else SentimentTrainingConfig.tweeteval_limit)
    card = train_sentiment(data, Path(args.output), config, cache=Path(args.cache) if args.cache else None,
                           log=lambda message: print(message, file=sys.stderr, flush=True))
    for name, figures in card.validation.items():
        print(f"{name}: macro-recall {figures['macro_recall']:.3f}, macro-F1 {figures['macro_f1']:.3f}, "
              f"accuracy {figures['accuracy']:.3f}")
    return 0


def _refit_sentiment_head(args: argparse.Namespace, data: Path) -> int:
    from triage.training.sentiment_head import HeadRefitConfig, refit_sentiment_head

    config = HeadRefitConfig(seed=args.seed, italian_head=args.italian_head)
    if args.italian_int8_design is not None:
        config.italian_int8_design = args.italian_int8_design or None
    card = refit_sentiment_head(data, Path(args.output), config,
                                cache=Path(args.cache) if args.cache else Path(".cache/sentiment"),
                                log=lambda message: print(message, file=sys.stderr, flush=True))
    for name, figures in card.validation.items():
        print(f"{name}: macro-recall {figures['macro_recall']:.3f}, macro-F1 {figures['macro_f1']:.3f}, "
              f"accuracy {figures['accuracy']:.3f}")
    return 0


def _train_intent(args: argparse.Namespace) -> int:
    from triage.training.intent import IntentTrainingConfig, retrain_risks, train_intent

    if args.risks_only:
        output = Path(args.output if args.output != "data/models/sentiment" else "data/models/intent")
        card = retrain_risks(output, IntentTrainingConfig(seed=args.seed),
                             cache=Path(args.cache) if args.cache else Path(".cache/intent"),
                             log=lambda message: print(message, file=sys.stderr, flush=True))
        for name, row in card.validation.get("customer posts validation risks", {}).items():
            print(f"risk {name}: " + ", ".join(f"{k} {v}" for k, v in row.items()))
        return 0
    data = Path(args.data)
    if not (data / "bitext").is_dir():
        raise UsageError(f"{data} does not look like shared/data (no bitext folder); pass --data")
    output = Path(args.output if args.output != "data/models/sentiment" else "data/models/intent")
    card = train_intent(data, output, IntentTrainingConfig(seed=args.seed, tuned_encoder=not args.plain_encoder),
                        cache=Path(args.cache) if args.cache else Path(".cache/intent"),
                        log=lambda message: print(message, file=sys.stderr, flush=True))
    for name, figures in card.validation.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def _train_urgency(args: argparse.Namespace) -> int:
    """``train urgency``: the learned urgency head on the authored posts' train split (triage.training.urgency)."""
    from triage.training.urgency import UrgencyTrainingConfig, train_urgency

    output = Path(args.output if args.output != "data/models/sentiment" else "data/models/urgency")
    card = train_urgency(output, UrgencyTrainingConfig(seed=args.seed),
                         cache=Path(args.cache) if args.cache else Path(".cache/intent"),
                         log=lambda message: print(message, file=sys.stderr, flush=True))
    for name, figures in card.validation.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def _train_ngram(args: argparse.Namespace) -> int:
    """``train ngram``: the n-gram models beside the intent and sentiment heads (triage.training.ngram)."""
    from triage.training.ngram import NgramConfig, train_ngram

    data = Path(args.data)
    if not (data / "bitext").is_dir() or not (data / "umsab").is_dir():
        raise UsageError(f"{data} does not look like shared/data (no bitext or umsab folder); pass --data")
    output = Path(args.output if args.output != "data/models/sentiment" else "data/models/ngram")
    card = train_ngram(data, output, NgramConfig(seed=args.seed),
                       cache=Path(args.cache) if args.cache else Path(".cache/ngram"),
                       log=lambda message: print(message, file=sys.stderr, flush=True))
    for task, head in (card.heads or {}).items():
        print(f"{task}: {head['combination']['design']}, folds: {head['folds']['chosen']}")
    for name, figures in card.validation.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def _train_from_corrections(args: argparse.Namespace) -> int:
    """``train from-corrections``: refit the heads on the team's labels, promote by the rule, say why."""
    import resource

    from triage.db.store import open_store
    from triage.training.from_corrections import RetrainConfig, train_from_corrections

    data = Path(args.data)
    if not (data / "tweeteval").is_dir() or not (data / "bitext").is_dir():
        raise UsageError(f"{data} does not look like shared/data (no tweeteval or bitext folder); pass --data")
    since = _date(args.since, "--since") if args.since else None
    who = environment().agent or getpass.getuser()
    retrain = train_from_corrections
    if args.adapter:
        from triage.training.adapter import ADAPTER_NOTE
        from triage.training.adapter_set import train_adapter_set

        print(f"--adapter: {ADAPTER_NOTE}", flush=True)
        retrain = train_adapter_set
    result = retrain(
        open_store(args.db), data, since=since, config=RetrainConfig(seed=args.seed),
        cache=Path(args.cache) if args.cache else Path(".cache/retrain"), promote=not args.no_promote,
        progress_file=Path(args.progress_file) if args.progress_file else None,
        log=lambda message: print(message, file=sys.stderr, flush=True),
        by=f"train from-corrections{' --adapter' if args.adapter else ''} ({who})")
    print(f"team labels: {result.labelled} mentions, {result.train} trained on, {result.held_out} held out")
    for outcome in result.outcomes:
        print(outcome.line())
    if result.set_line:
        print(result.set_line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    print(f"retrained in {result.seconds:.0f} s; peak memory {peak:.0f} MB")
    return 0


def _evaluate_model(args: argparse.Namespace) -> int:
    """``evaluate model``: the model against the team's labels (audit sample and corrections)."""
    from triage.db.store import open_store
    from triage.evaluation.team import evaluate_team_labels

    since = _date(args.since, "--since") if args.since else None
    evaluation = evaluate_team_labels(open_store(args.db), since)
    print(evaluation.to_json() if args.json else "\n".join(evaluation.lines()))
    return 0


def _date(value: str, flag: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} needs a date like 2026-11-01, not {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def cmd_import_labels(args: argparse.Namespace) -> int:
    """``import-labels FILE``: labels of a tagged export become corrections by ``import:<file name>``."""
    from triage.context import Context
    from triage.db.store import open_store
    from triage.ingest.labels import import_labels

    path = Path(args.file)
    ctx = Context(open_store(args.db))
    bar = ProgressBar("classifying new rows")
    try:
        result = import_labels(ctx.store, path, ctx.sentiment, ctx.intent, args.channel, progress=bar)
    finally:
        bar.close()
    _report_bad_rows(path, result.errors)
    for refused in result.refused:
        print(f"{path}: {refused}", file=sys.stderr)
    print(f"{path}: {result.labels} labels on {result.labelled} mentions ({result.stored} stored first), "
          f"{len(result.errors)} bad rows skipped; corrections by import:{path.name}")
    return 1 if result.errors or result.refused else 0


def cmd_models(args: argparse.Namespace) -> int:
    """``models list | promote VERSION | rollback``: the versioned models and which one is in use."""
    from triage.models import registry
    from triage.training.promotion import promote, rollback

    who = environment().agent or getpass.getuser()
    if args.action == "list":
        print("task       version                    in use  team held-out  created by")
        for task in (args.task,) if args.task else registry.TASKS:
            for version in registry.versions(task):
                team = version.card.validation.get(registry.TEAM_KEY, {}).get("macro_recall")
                print(f"{task:<10} {version.name:<26} {'*' if version.promoted else '':<7} "
                      f"{'' if team is None else f'{team:.3f}':<14} {version.card.command}")
        return 0
    if args.action == "promote":
        if not args.version:
            raise UsageError("models promote needs a VERSION (see python -m triage models list)")
        decision = promote(args.version, who, force=args.force)
        print(f"{'promoted' if decision.promote else 'kept the current model'}: {args.version}: {decision.why}")
        return 0 if decision.promote else 1
    task = args.task or (registry.task_of(args.version) if args.version else None)
    if task is None:
        raise UsageError("models rollback needs --task sentiment or --task intent")
    print(f"rolled back {task} to {rollback(task, who)}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from triage.evaluation.classify_bench import run

    data = Path(args.data)
    if not (data / "tweeteval").is_dir():
        raise TriageError(f"{data} does not look like shared/data (no tweeteval folder); pass --data")
    run(data, limit=args.limit)
    return 0


EVALUATIONS = ("priority", "replies", "authored", "risks", "model")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``evaluate WHAT``: ``triage.evaluation.<what>.run(data)`` returns a record; this prints it."""
    data = Path(args.data)
    if args.what == "model":
        return _evaluate_model(args)
    if args.what == "priority":
        from triage.evaluation.priority import run as evaluate_priority

        priority = evaluate_priority(data)
        print(priority.to_json() if args.json else "\n".join(priority.lines()))
        return 0
    if args.what in ("authored", "risks"):
        from triage.evaluation.authored import run as evaluate_authored

        authored = evaluate_authored(args.what)
        print(authored.to_json() if args.json else "\n".join(authored.lines()))
        return 0
    from triage.evaluation.replies import run as evaluate_replies

    replies = evaluate_replies(data)
    for warning in replies.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(replies.to_json() if args.json else "\n".join(replies.lines()))
    return 0


@contextmanager
def _stopping_gently(stop: Any, done: str, also_sigterm: bool = False) -> Iterator[None]:
    """The first Ctrl-C asks ``stop`` to end after the current batch is ``done``; a second one aborts."""
    import signal

    def on_interrupt(_signum: int, _frame: Any) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.request()
        print(f"stopping after the current batch is {done} (Ctrl-C again to abort it)", file=sys.stderr, flush=True)

    signals = (signal.SIGINT, signal.SIGTERM) if also_sigterm else (signal.SIGINT,)
    previous = {number: signal.signal(number, on_interrupt) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def cmd_listen(args: argparse.Namespace) -> int:
    """``listen --once`` / ``--every SECONDS``: one line per source; the first Ctrl-C stops after the current batch."""
    import logging

    from triage.config.settings import load_config
    from triage.context import Context
    from triage.db.store import open_store
    from triage.ingest.listening import StopFlag, listen

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.every is not None and args.every <= 0:
        raise UsageError("--every needs a number of seconds above 0, e.g. --every 300")
    config = load_config(args.config)
    if not config.sources:
        raise ConfigError(f"no sources in {config.where}; copy triage.example.toml to triage.toml and enable some")
    ctx = Context(open_store(args.db), config)
    stop = StopFlag()

    def report(runs: Sequence[Any]) -> None:
        for run in runs:
            print(run.line(), flush=True)

    with _stopping_gently(stop, "stored"):
        runs = listen(ctx, every=None if args.once else args.every, report=report, only=args.source or (), stop=stop,
                      classify=not args.no_classify)
    return 1 if any(run.error for run in runs) else 0


def cmd_suggest(args: argparse.Namespace) -> int:
    """``suggest --text TEXT``: the post's tone profile and ranked reply suggestions."""
    import json

    from triage.config.environment import environment
    from triage.context import open_context
    from triage.replies.drafts import DraftRequest
    from triage.replies.generation import default_rewriter
    from triage.replies.suggest import for_text

    text = args.text.strip()
    if not text:
        raise UsageError("--text is empty; pass the post to answer, e.g. --text 'my bill is wrong'")
    ctx = open_context(args.db)
    signature = args.signature if args.signature is not None else environment().signature
    result = for_text(ctx, DraftRequest(text, args.channel, args.author or "", signature=signature),
                      rewriter=default_rewriter())
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
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


def cmd_worker(args: argparse.Namespace) -> int:
    """``worker [--once]``: classify and rank the pending mentions; one line per round that classified some.

    The first Ctrl-C (or SIGTERM, e.g. ``systemctl stop``) stops after the current batch is committed.
    """
    import logging

    from triage.context import Context
    from triage.db.store import open_store
    from triage.ingest.stopping import StopFlag
    from triage.ingest.worker import WorkerSettings, run_worker

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.batch < 1:
        raise UsageError("--batch needs a number of mentions above 0, e.g. --batch 64")
    if args.poll <= 0:
        raise UsageError("--poll needs a number of seconds above 0, e.g. --poll 5")
    ctx = Context(open_store(args.db), config_path=args.config)
    stop = StopFlag()
    with _stopping_gently(stop, "committed", also_sigterm=True):  # SIGTERM: a service manager's stop
        run_worker(ctx, once=args.once, settings=WorkerSettings(args.batch, args.poll), stop=stop,
                   report=lambda done: print(done.line(), flush=True))
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """``reconcile``: settle replies a crash left half-sent (looked up on the platform, or flagged for review)."""
    from datetime import timedelta

    from triage.context import open_context
    from triage.replies.reconcile import reconcile_pending

    if args.grace < 0:
        raise UsageError("--grace needs a number of seconds, 0 or more, e.g. --grace 300")
    result = reconcile_pending(open_context(args.db, args.config), grace=timedelta(seconds=args.grace))
    print("\n".join(result.lines()))
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    """``alerts --once`` / ``--every SECONDS``: SLA and spike alerts, and notices still to send; one line each."""
    import logging

    from triage.context import Context
    from triage.db.store import open_store
    from triage.ingest.stopping import StopFlag
    from triage.queue.alerts import AlertRun, run_alerts

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.every is not None and args.every <= 0:
        raise UsageError("--every needs a number of seconds above 0, e.g. --every 60")
    ctx = Context(open_store(args.db), config_path=args.config)
    stop = StopFlag()
    failed = False
    runs = 0

    def report(run: AlertRun) -> None:  # --every: quiet while nothing happens (the first run always says)
        nonlocal failed, runs
        failed = failed or bool(run.delivery.failed)
        runs += 1
        if args.once or runs == 1 or run.recorded or run.delivery.sent or run.delivery.failed:
            print("\n".join(run.lines()), flush=True)

    with _stopping_gently(stop, "sent", also_sigterm=True):
        run_alerts(ctx, None if args.once else args.every, stop, report)
    return 1 if args.once and failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage",
        description="Ascolto: hear brand mentions, rank what needs a human, draft the answer.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    _add_data_commands(sub)
    _add_model_commands(sub)
    _add_service_commands(sub)
    return parser


SubParsers = Any  # argparse's _SubParsersAction, which it does not export


def _add_data_commands(sub: SubParsers) -> None:
    """demo, import, classify, export, backup: mentions in and out of the database."""
    demo = sub.add_parser("demo", help="load the bilingual demo data set (idempotent)")
    demo.add_argument("--db", help=DB_HELP)
    demo.set_defaults(run=cmd_demo)

    imp = sub.add_parser("import", help="store mentions from a CSV or JSONL file")
    imp.add_argument("file", help="CSV/TSV/JSONL with columns id, text, author, created_at (see README)")
    imp.add_argument("--channel", help="channel name for every row (default: the file's channel column, "
                     "else 'file:<name of the file>')")
    imp.add_argument("--all", action="store_true",
                     help="FILE is a whole-database export (export --all): re-import every row, keeping ids")
    imp.add_argument("--no-classify", action="store_true",
                     help="only store; leave classifying to `triage worker` processes")
    imp.add_argument("--db", help=DB_HELP)
    imp.set_defaults(run=cmd_import)

    cls = sub.add_parser("classify", help="add sentiment, language, intent, topic, urgency, priority and reasons "
                                          "columns to a file")
    cls.add_argument("input", help="CSV, TSV or JSONL file")
    cls.add_argument("--text-column", default="text", help="column holding the text (default: text)")
    cls.add_argument("--output", required=True, help="output file; format by extension (.csv, .tsv, .jsonl)")
    cls.add_argument("--batch-size", type=int, default=64)
    cls.set_defaults(run=cmd_classify)

    exp = sub.add_parser("export", help="write a report, e.g. unanswered complaints, or every row (--all)")
    report = exp.add_mutually_exclusive_group()
    report.add_argument("--unanswered", action="store_true",
                        help="unanswered complaints: open, no reply, complaint intent or a named risk "
                             "(money, safety, account takeover, churn/legal), oldest first")
    report.add_argument("--all", action="store_true",
                        help="every row of every table as JSON lines, re-importable with import --all")
    exp.add_argument("--format", choices=("csv", "tsv", "jsonl"),
                     help="csv (default), tsv or jsonl; --all writes jsonl")
    exp.add_argument("--output", required=True, help="file to write")
    exp.add_argument("--db", help=DB_HELP)
    exp.set_defaults(run=cmd_export)

    _add_report_command(sub)

    surveys = sub.add_parser("import-surveys", help="store CSAT (1-5) and NPS (0-10) survey answers from a CSV "
                                                    "or JSONL file, matched to the mentions they are about")
    surveys.add_argument("file", help="columns kind and score (or a csat or nps column), answered_at, and "
                                      "mention_id, conversation_id (+ channel) or channel and author (see README)")
    surveys.add_argument("--db", help=DB_HELP)
    surveys.set_defaults(run=cmd_import_surveys)

    bak = sub.add_parser("backup", help="copy the whole database while the app runs (SQLite; pg_dump for PostgreSQL)")
    bak.add_argument("--output", required=True, help="the backup file to create (must not exist)")
    bak.add_argument("--db", help=DB_HELP)
    bak.set_defaults(run=cmd_backup)


def _add_report_command(sub: SubParsers) -> None:
    """report: the manager's report as a file, or the scheduled ones by e-mail."""
    rep = sub.add_parser("report", help="the manager's report (per agent, team and channel) as XLSX, PDF or CSV; "
                                        "--scheduled e-mails the due ones of [reports]")
    rep.add_argument("--period", help="START..END (days, UTC, both included), e.g. 2026-11-01..2026-11-30, or "
                                      "last_7_days, last_30_days, last_90_days, this_week, last_week, this_month, "
                                      "last_month")
    rep.add_argument("--format", choices=("xlsx", "pdf", "csv"), help="file format")
    rep.add_argument("--output", help="file to write")
    rep.add_argument("--team", help="only this team of [teams] (its agents and the complaints they hold)")
    rep.add_argument("--channel", action="append", metavar="NAME", help="only this channel (repeatable)")
    rep.add_argument("--language", action="append", metavar="CODE", help="only this language (repeatable)")
    rep.add_argument("--intent", action="append", metavar="INTENT", help="only this intent (repeatable)")
    rep.add_argument("--topic", action="append", metavar="TOPIC", help="only this topic (repeatable)")
    rep.add_argument("--bom", action="store_true", help="csv: start with a UTF-8 byte-order mark (for Excel)")
    rep.add_argument("--scheduled", action="store_true",
                     help="send the reports of [reports] that are due, by e-mail (each at most once per window)")
    rep.add_argument("--config", help="configuration file (default: $TRIAGE_CONFIG, else ./triage.toml)")
    rep.add_argument("--db", help=DB_HELP)
    rep.set_defaults(run=cmd_report)


def _add_model_commands(sub: SubParsers) -> None:
    """train, bench, evaluate, suggest: the models and the reply suggestions."""
    train = sub.add_parser("train", help="rebuild a shipped model artifact from shared/data")
    train.add_argument("task", choices=("sentiment", "intent", "from-corrections", "urgency", "ngram"))
    train.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    train.add_argument("--output", default="data/models/sentiment", help="artifact folder to write")
    train.add_argument("--cache",
                       help="folder to keep embeddings between runs (intent; sentiment --frozen or --heads-only)")
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--frozen", action="store_true",
                       help="sentiment: keep the encoder frozen and fit heads only (fast; lower figures)")
    train.add_argument("--heads-only", action="store_true",
                       help="sentiment: keep the adapter, refit the sentiment head adding the authored customer posts")
    train.add_argument("--italian-head", action="store_true",
                       help="sentiment --heads-only: also an Italian head for texts detected as Italian (fp32 gains; "
                            "int8 then loses more than 0.01 on Italian)")
    train.add_argument("--italian-int8-design", metavar="DESIGN",
                       help="sentiment --heads-only --italian-head: also fit the Italian head on the int8 encoder's "
                            "embeddings of its texts (an int8 design, e.g. attention; '' for fp32 embeddings only)")
    train.add_argument("--plain-encoder", action="store_true",
                       help="intent: train the heads on the plain encoder (two top stacks at run time; older layout)")
    train.add_argument("--risks-only", action="store_true",
                       help="intent: refit only the named-risk model into the existing intent model in --output "
                            "(its intent and topic heads are kept)")
    train.add_argument("--since", help="from-corrections: only the team's labels given on or after this date")
    train.add_argument("--db", help=DB_HELP + " (from-corrections: the team's labels)")
    train.add_argument("--progress-file", help="from-corrections: keep this JSON file up to date with the progress")
    train.add_argument("--no-promote", action="store_true",
                       help="from-corrections: write the new versions and say what the rule decides, promote nothing")
    train.add_argument("--adapter", action="store_true",
                       help="from-corrections: also continue fine-tuning the LoRA adapter and refit every head on "
                            "it, promoted as one set (takes longer: about 7 minutes for 1,000 corrections on 2 "
                            "quiet cores, against about 2 heads only)")
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
    evaluate.add_argument("--db", help=DB_HELP + " (evaluate model: the team's labels)")
    evaluate.add_argument("--since", help="evaluate model: only labels given on or after this date (2026-11-01)")
    evaluate.set_defaults(run=cmd_evaluate)

    labels = sub.add_parser("import-labels", help="load labels (sentiment, intent, topic, urgent) from a CSV/JSONL "
                                                  "file as the team's corrections")
    labels.add_argument("file", help="CSV/TSV/JSONL with the import columns plus label columns")
    labels.add_argument("--channel", help="channel for rows without one (default: file:<file name>)")
    labels.add_argument("--db", help=DB_HELP)
    labels.set_defaults(run=cmd_import_labels)

    models = sub.add_parser("models", help="list the versioned models, promote one (by the measured rule), "
                                           "or roll back")
    models.add_argument("action", choices=("list", "promote", "rollback"))
    models.add_argument("version", nargs="?", help="promote: the version to put in use (see models list)")
    models.add_argument("--task", choices=("sentiment", "intent", "urgency"), help="list/rollback: only this task")
    models.add_argument("--force", action="store_true",
                        help="promote even when the rule says no (recorded as forced)")
    models.set_defaults(run=cmd_models)

    sug = sub.add_parser("suggest", help="tone profile and reply suggestions for a post")
    sug.add_argument("--text", required=True, help="the post to answer")
    sug.add_argument("--channel", default="x", help="channel the reply goes to (x, bluesky, mastodon, reddit, ...)")
    sug.add_argument("--author", help="the customer's display name (greets them by first name)")
    sug.add_argument("--signature", help="signature to end replies with (default: $TRIAGE_SIGNATURE)")
    sug.add_argument("--json", action="store_true", help="print one JSON object: tone and suggestions")
    sug.add_argument("--db", help=DB_HELP + "; its earlier replies feed the history suggestions")
    sug.set_defaults(run=cmd_suggest)


def _add_service_commands(sub: SubParsers) -> None:
    """listen, worker, reconcile, alerts: what runs as a service for a team."""
    listen = sub.add_parser("listen", help="fetch new mentions from the sources in triage.toml")
    when = listen.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="run every enabled source once")
    when.add_argument("--every", type=float, metavar="SECONDS", help="keep polling every SECONDS until Ctrl-C")
    listen.add_argument("--config", help="configuration file (default: $TRIAGE_CONFIG, else ./triage.toml)")
    listen.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    listen.add_argument("--no-classify", action="store_true",
                        help="only store; leave classifying to `triage worker` processes")
    listen.add_argument("--db", help=DB_HELP)
    listen.set_defaults(run=cmd_listen)

    work = sub.add_parser("worker", help="classify and rank the stored mentions still pending "
                                         "(PostgreSQL: run as many as you like)")
    work.add_argument("--once", action="store_true", help="classify what is pending, print how many, exit")
    work.add_argument("--batch", type=int, default=64, metavar="N",
                      help="mentions per batch; each batch is committed (default 64)")
    work.add_argument("--poll", type=float, default=5.0, metavar="SECONDS",
                      help="without --once: wait this long after finding nothing pending (default 5)")
    work.add_argument("--config", help="configuration file for the priority weights "
                                       "(default: $TRIAGE_CONFIG, else ./triage.toml)")
    work.add_argument("--db", help=DB_HELP)
    work.set_defaults(run=cmd_worker)

    rec = sub.add_parser("reconcile", help="settle replies a crash left half-sent: look them up on the platform, "
                                           "else flag them for review (also runs at dashboard and listen start)")
    rec.add_argument("--grace", type=float, default=300, metavar="SECONDS",
                     help="only replies pending longer than this (default: 300; younger ones may still be sending)")
    rec.add_argument("--config", help="configuration file (default: $TRIAGE_CONFIG, else ./triage.toml)")
    rec.add_argument("--db", help=DB_HELP)
    rec.set_defaults(run=cmd_reconcile)

    alerts = sub.add_parser("alerts", help="send SLA and negative-spike alerts (each once) and notices still due "
                                           "through [notify]")
    when = alerts.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="check once, print what was sent, exit")
    when.add_argument("--every", type=float, metavar="SECONDS", help="check every SECONDS until Ctrl-C or SIGTERM")
    alerts.add_argument("--config", help="configuration file (default: $TRIAGE_CONFIG, else ./triage.toml)")
    alerts.add_argument("--db", help=DB_HELP)
    alerts.set_defaults(run=cmd_alerts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except TriageError as exc:  # UsageError included: a bad flag exits 2, like argparse's own usage errors
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; everything committed so far is kept", file=sys.stderr)
        return 130
