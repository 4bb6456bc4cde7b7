"""Versioned models: ``data/models/<task>/<version>/``, one promoted per task, promotion by a measured rule.

The packaged model of a task lives in ``data/models/<task>/`` itself (version ``packaged``);
each model trained from the team's corrections goes to ``data/models/<task>/<task>-<UTC
time>/`` with its card. ``promoted.json`` in the task's folder names the version in use and
keeps the history of promotions (who, when, why), so ``rollback`` goes back one step. Without
it the packaged model is in use.

The rule (``decide``): a candidate is promoted only if it is not worse on any public
validation set than the model in use (by more than ``PUBLIC_TOLERANCE`` macro-recall) and is
better on the team's held-out labels (both models measured on the same held-out labels at
training time, kept in the candidate's card under ``TEAM_KEY`` and ``TEAM_CURRENT_KEY``).

Sets: ``train from-corrections --adapter`` writes a sentiment version with a new LoRA adapter and
the intent and urgency versions trained on it; each card's ``model_set`` names the members. A
set is promoted as one (``check_set``: the sentiment member by ``decide``, the others ``not_worse``
on their public/authored validation figures), all members or none (``set_promoted_together``), and
rolled back as one (``before_set``). ``adapter_mismatch`` says when the versions that would be in
use read different adapters (an intent or urgency head trained on another encoder than the
sentiment version in use): promotion and rollback refuse that, the loaders' error is the last guard.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.config.environment import environment
from triage.errors import ModelUnavailable, UsageError
from triage.models.card import CARD_FILE, ModelCard

TASKS: tuple[str, ...] = ("sentiment", "intent", "urgency")
PACKAGED = "packaged"
PROMOTED_FILE = "promoted.json"
PUBLIC_TOLERANCE = 0.01
TEAM_KEY = "team held-out"  # the candidate on the team's held-out labels
TEAM_CURRENT_KEY = "team held-out, model in use"  # the model in use then, on the same labels
PACKAGED_MODELS = Path(__file__).resolve().parent.parent.parent / "data" / "models"


def models_root(root: Path | None = None) -> Path:
    """Where the task folders are: ``root``, else ``TRIAGE_MODELS_DIR``, else the packaged ``data/models``."""
    if root is not None:
        return root
    configured = environment().models_dir
    return Path(configured) if configured else PACKAGED_MODELS


@dataclass(frozen=True)
class Version:
    task: str
    name: str  # "packaged" or "<task>-<UTC time>"
    path: Path
    card: ModelCard
    promoted: bool


@dataclass(frozen=True)
class Decision:
    promote: bool
    why: str


def _task_dir(task: str, root: Path | None) -> Path:
    if task not in TASKS:
        raise UsageError(f"unknown model task '{task}'; tasks: {', '.join(TASKS)}")
    return models_root(root) / task


def _state(task: str, root: Path | None) -> dict[str, Any]:
    path = _task_dir(task, root) / PROMOTED_FILE
    if not path.is_file():
        return {"version": PACKAGED, "history": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelUnavailable(f"cannot read {path} ({exc}); fix it or delete it to use the packaged model") from None
    return data if isinstance(data, dict) and "version" in data else {"version": PACKAGED, "history": []}


def _write_state(task: str, root: Path | None, state: dict[str, Any]) -> None:
    path = _task_dir(task, root) / PROMOTED_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # atomic: a reader sees the old or the new state, never half of one


def version_dir(task: str, name: str, root: Path | None = None) -> Path:
    return _task_dir(task, root) if name == PACKAGED else _task_dir(task, root) / name


def versions(task: str, root: Path | None = None) -> list[Version]:
    """Every version of ``task`` with a card, the packaged one first, then oldest to newest."""
    folder = _task_dir(task, root)
    current = _state(task, root)["version"]
    names = [PACKAGED] if (folder / CARD_FILE).is_file() else []
    if folder.is_dir():
        names += sorted(p.name for p in folder.iterdir()
                        if p.is_dir() and p.name.startswith(f"{task}-") and (p / CARD_FILE).is_file())
    rebuild = f"python -m triage train {task}"
    return [Version(task, name, version_dir(task, name, root), ModelCard.load(version_dir(task, name, root), rebuild),
                    name == current) for name in names]


def promoted(task: str, root: Path | None = None) -> str:
    """The name of the version in use for ``task``."""
    return str(_state(task, root)["version"])


def promoted_dir(task: str, root: Path | None = None) -> Path:
    """The folder of the version in use (the packaged folder when none was promoted, or when the promoted
    one's folder is gone)."""
    name = promoted(task, root)
    path = version_dir(task, name, root)
    return path if (path / CARD_FILE).is_file() else _task_dir(task, root)


def in_use_dir(task: str, root: Path | None = None) -> Path:
    """The folder the loaders read for ``task``: the promoted version's, else the packaged model shipped with
    the code (also when ``TRIAGE_MODELS_DIR`` holds no packaged copy)."""
    folder = promoted_dir(task, root)
    return folder if (folder / CARD_FILE).is_file() else PACKAGED_MODELS / task


def in_use(task: str, root: Path | None = None) -> str:
    """The name of the version the loaders read for ``task`` (``packaged`` when its folder is gone)."""
    name = promoted(task, root)
    return name if (version_dir(task, name, root) / CARD_FILE).is_file() else PACKAGED


def version_of(model: Any) -> str | None:
    """The registry version a loaded model came from (a lazily loaded one is looked inside); None: not
    from the registry (a fake, a configured TRIAGE_*_MODEL)."""
    inner = getattr(model, "model", model) if getattr(model, "loaded", True) else None
    version = getattr(inner, "version", None)
    return version if isinstance(version, str) else None


def version_label(sentiment: Any, intent: Any) -> str | None:
    """What ``mentions.model_version`` records: ``<sentiment version>/<intent version>`` (plus ``urgency_suffix``
    when an urgency version is promoted); None when either model is not from the registry (then no re-scoring
    follows promotions)."""
    s, i = version_of(sentiment), version_of(intent)
    return f"{s}/{i}{urgency_suffix()}"[:64] if s and i else None


def urgency_suffix(root: Path | None = None) -> str:
    """What a promoted urgency head adds to ``version_label`` (``/u:`` and 6 hex digits of its name), so that
    promoting one re-scores the mentions too; nothing for the packaged head (labels stay as they were)."""
    import hashlib

    name = in_use("urgency", root)
    return "" if name == PACKAGED else "/u:" + hashlib.sha1(name.encode()).hexdigest()[:6]


PACKAGED_LABEL = f"{PACKAGED}/{PACKAGED}"  # what mentions classified before versions were recorded ran on


def new_version_dir(task: str, now: datetime, root: Path | None = None) -> Path:
    """A fresh, empty folder for a version trained at ``now``."""
    base = f"{task}-{now.strftime('%Y%m%d-%H%M%S')}"
    folder = _task_dir(task, root)
    name, n = base, 1
    while (folder / name).exists():
        n += 1
        name = f"{base}-{n}"
    path = folder / name
    path.mkdir(parents=True)
    return path


def _macro_recall(figures: Any) -> float | None:
    if isinstance(figures, dict) and isinstance(figures.get("macro_recall"), (int, float)):
        return float(figures["macro_recall"])
    return None


def not_worse(candidate: ModelCard, current: ModelCard) -> Decision:
    """Whether ``candidate`` is within ``PUBLIC_TOLERANCE`` macro-recall of ``current`` on every public (not team)
    validation figure ``current`` has."""
    worse = []
    for name, figures in current.validation.items():
        if name.startswith("team"):
            continue
        theirs, ours = _macro_recall(figures), _macro_recall(candidate.validation.get(name))
        if theirs is None:
            continue
        if ours is None:
            return Decision(False, f"not measured on the public validation set '{name}'")
        if ours < theirs - PUBLIC_TOLERANCE:
            worse.append(f"{name} {ours:.3f} < {theirs:.3f} - {PUBLIC_TOLERANCE}")
    if worse:
        return Decision(False, "worse on public validation: " + "; ".join(worse))
    return Decision(True, f"public sets within {PUBLIC_TOLERANCE}")


def decide(candidate: ModelCard, current: ModelCard) -> Decision:
    """Whether ``candidate`` may replace ``current`` (see the module docstring), and why in one line."""
    public = not_worse(candidate, current)
    if not public.promote:
        return public
    team, before = (_macro_recall(candidate.validation.get(TEAM_KEY)),
                    _macro_recall(candidate.validation.get(TEAM_CURRENT_KEY)))
    if team is None or before is None:
        return Decision(False, "no figures on the team's held-out labels (too few corrections?)")
    if team <= before:
        return Decision(False, f"not better on the team's held-out labels ({team:.3f} vs {before:.3f} "
                               "for the model in use)")
    return Decision(True, f"team held-out macro-recall {before:.3f} -> {team:.3f}; public sets within "
                          f"{PUBLIC_TOLERANCE}")


def _find(task: str, name: str, root: Path | None) -> Version:
    for version in versions(task, root):
        if version.name == name:
            return version
    known = ", ".join(v.name for v in versions(task, root))
    raise UsageError(f"no {task} model version '{name}'; versions: {known} (python -m triage models list)")


def task_of(name: str) -> str:
    """The task a version name belongs to (``intent-20261130-010203`` -> ``intent``)."""
    task = name.split("-", 1)[0]
    if task not in TASKS:
        raise UsageError(f"'{name}' is not a model version name (like intent-20261130-010203); "
                         "see python -m triage models list")
    return task


def check_promotion(task: str, name: str, root: Path | None = None) -> Decision:
    """The rule applied to version ``name`` against the version in use."""
    candidate = _find(task, name, root)
    current = _find(task, promoted(task, root), root) if promoted(task, root) != PACKAGED or \
        (version_dir(task, PACKAGED, root) / CARD_FILE).is_file() else None
    if current is None:
        return Decision(True, "no model in use")
    if current.name == name:
        return Decision(False, f"{name} is already in use")
    return decide(candidate.card, current.card)


def set_promoted(task: str, name: str, by: str, at: datetime, why: str, root: Path | None = None,
                 kind: str = "promote", model_set: str | None = None, undoes: int | None = None) -> None:
    """Make ``name`` the version in use and remember the step (``kind``: promote or rollback; ``model_set``: the
    sentiment member's name when the step moves a set)."""
    _find(task, name, root)
    state = _state(task, root)
    history = list(state.get("history", []))
    step = {"kind": kind, "version": name, "previous": state["version"], "by": by, "at": at.isoformat(), "why": why}
    if model_set:
        step["set"] = model_set
    if undoes is not None:
        step["undoes"] = undoes  # a rollback: the index of the promotion step it undoes (with all after it)
    history.append(step)
    _write_state(task, root, {"version": name, "history": history})


def set_of(task: str, name: str, root: Path | None = None) -> dict[str, str]:
    """The versions to move with ``name``: task -> version (its set's members, else ``{task: name}``)."""
    card = _find(task, name, root).card
    members = {t: str(v) for t, v in (card.model_set or {}).items() if t in TASKS}
    return members if members.get(task) == name else {task: name}


def adapter_sha256(task: str, name: str, root: Path | None = None) -> str | None:
    """sha256 of the adapter version ``name`` reads (sentiment: its own adapter; intent and urgency: the one their
    card says they were trained on); None: the plain encoder."""
    path = version_dir(task, name, root)
    if name == PACKAGED and not (path / CARD_FILE).is_file():
        path = PACKAGED_MODELS / task  # what the loaders read then
    card = ModelCard.load(path, f"python -m triage train {task}")
    if task == "sentiment":
        if not card.adapter:
            return None
        from triage.models.intent import adapter_digest
        from triage.models.sentiment import ADAPTER_FILES

        adapter = (path / card.adapter["path"]).resolve()
        return adapter_digest(adapter) if (adapter / ADAPTER_FILES[1]).is_file() else None
    digest = (card.encoder or {}).get("adapter_sha256")
    return str(digest) if digest else None


def adapter_mismatch(chosen: dict[str, str], root: Path | None = None) -> str | None:
    """One line when the versions in use after a step (``chosen`` over the ones in use now) would not read the
    sentiment version's adapter; None when they all do."""
    after = {task: in_use(task, root) for task in TASKS}
    after.update(chosen)
    # only versions this models folder holds (a folder without a task's copy is not the registry's to guard)
    after = {task: name for task, name in after.items() if (version_dir(task, name, root) / CARD_FILE).is_file()}
    if "sentiment" not in after:
        return None
    tuned = adapter_sha256("sentiment", after["sentiment"], root)
    for task in ("intent", "urgency"):
        if task not in after:
            continue
        theirs = adapter_sha256(task, after[task], root)
        if theirs is not None and theirs != tuned:
            return (f"{task} {after[task]} was trained on another adapter than sentiment {after['sentiment']} "
                    f"(sha256 {theirs[:12]} vs {(tuned or 'none')[:12]}); promote versions of one set together "
                    "(python -m triage models list)")
    return None


def check_set(members: dict[str, str], root: Path | None = None) -> Decision:
    """The rule for a set: the sentiment member by ``decide``, the intent and urgency members ``not_worse`` than
    the versions in use; all or none, so the first member that fails says why."""
    passed = []
    for task in TASKS:
        if task not in members:
            continue
        candidate = _find(task, members[task], root)
        current_name = in_use(task, root)
        current = _find(task, current_name, root) if any(v.name == current_name for v in versions(task, root)) \
            else None
        if current is None:
            passed.append(f"{task}: no model in use")
            continue
        if current.name == candidate.name:
            passed.append(f"{task}: already in use")
            continue
        decision = (decide if task == "sentiment" else not_worse)(candidate.card, current.card)
        if not decision.promote:
            return Decision(False, f"{task} member {candidate.name} failed: {decision.why}; nothing promoted, "
                                   "the current set is kept")
        passed.append(f"{task}: {decision.why}")
    return Decision(True, "set of " + ", ".join(members[t] for t in TASKS if t in members) + ": "
                    + "; ".join(passed))


def set_promoted_together(members: dict[str, str], by: str, at: datetime, why: str, root: Path | None = None,
                          kind: str = "promote") -> None:
    """Put every member of a set in use (``members``: task -> version), one history step each, marked with the
    set so ``before_set`` finds them."""
    for task in TASKS:
        if task in members:
            _find(task, members[task], root)  # every member exists before any is moved
    label = members.get("sentiment") or next(iter(members.values()))
    for task in TASKS:
        if task in members:
            set_promoted(task, members[task], by, at, why, root, kind, model_set=label if len(members) > 1 else None)


def set_step(task: str, name: str, label: str, root: Path | None = None) -> int | None:
    """The index in ``task``'s history of the step that promoted ``name`` as a member of the set ``label`` (its
    sentiment member's name); None: no such step."""
    history = _state(task, root).get("history", [])
    for index in range(len(history) - 1, -1, -1):
        step = history[index]
        if step.get("kind") == "promote" and step.get("version") == name and step.get("set") == label:
            return index
    return None


def before_set(members: dict[str, str], root: Path | None = None) -> dict[str, tuple[str, int]]:
    """What each task had in use before the set ``members`` was promoted, with the index of the promotion step
    (task -> (version, step)); the tasks whose history shows no such promotion are left out."""
    label = members.get("sentiment") or next(iter(members.values()))
    out: dict[str, tuple[str, int]] = {}
    for task, name in members.items():
        index = set_step(task, name, label, root)
        if index is not None:
            out[task] = (str(_state(task, root)["history"][index]["previous"]), index)
    return out


def previous(task: str, root: Path | None = None) -> str | None:
    """The version in use before the promotion that put the current one in place, skipping promotions
    already rolled back (so rolling back twice goes back two promotions; a set's rollback, which may jump over
    later promotions of one member, undoes every step from the set's promotion on); None: nothing to go back to."""
    history = _state(task, root).get("history", [])
    undone, index = 0, len(history) - 1
    while index >= 0:
        step = history[index]
        if step.get("kind") == "rollback" and isinstance(step.get("undoes"), int):
            index = step["undoes"] - 1  # every step from that promotion on is undone
            continue
        if step.get("kind") == "rollback":
            undone += 1
        elif undone:
            undone -= 1
        else:
            return str(step["previous"])
        index -= 1
    return None
