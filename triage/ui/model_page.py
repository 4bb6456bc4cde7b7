"""The Model page (managers and admins): the model as the team sees it, the daily audit, versions, retraining.

Figures come from ``triage.evaluation.team`` (the same as ``python -m triage evaluate model``);
versions from ``triage.models.registry``; retraining runs in a background process
(``triage.training.jobs``) so the queue never waits for it. Post text is shown literally.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from triage.db import corrections as db
from triage.db.corrections import Label
from triage.db.store import Store, resolve_url
from triage.errors import TriageError
from triage.evaluation.team import evaluate_team_labels
from triage.models import registry
from triage.queue.corrections import confirm_audit_pick
from triage.records import utcnow
from triage.training.adapter import ADAPTER_NOTE
from triage.training.jobs import job_status, start_retraining
from triage.training.promotion import promote, rollback
from triage.ui.common import current_actor, ready_store
from triage.ui.signin import require_page

AUDIT_SIZE = 5  # mentions a day the team is asked to confirm


def _figures(store: Store) -> None:
    evaluation = evaluate_team_labels(store)
    if not evaluation.figures:
        st.info("No labels yet. Corrections made in the queue, confirmed audit picks and `import-labels` files "
                "appear here.")
        return
    frame = pd.DataFrame([{
        "sample": f.sample, "field": f.field, "slice": f.slice, "n": f.n, "accuracy": f.accuracy,
        "accuracy 95% CI": f"{f.accuracy_ci[0]:.2f}–{f.accuracy_ci[1]:.2f}", "macro-recall": f.macro_recall,
        "macro-recall 95% CI": f"{f.macro_recall_ci[0]:.2f}–{f.macro_recall_ci[1]:.2f}",
    } for f in evaluation.figures])
    st.caption("audit: a uniform daily sample the team confirmed (an unbiased estimate of accuracy); "
               "corrections: posts agents chose to fix (biased toward the model's mistakes).")
    st.dataframe(frame, hide_index=True)
    for sample, fields in evaluation.confusion.items():
        for name, matrix in fields.items():
            labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})
            with st.expander(f"Confusion matrix: {name}, {sample} (rows: the team's label; columns: the model's)"):
                st.dataframe(pd.DataFrame([[matrix.get(t, {}).get(p, 0) for p in labels] for t in labels],
                                          index=labels, columns=labels))


def _audit(store: Store) -> None:
    who = current_actor()
    today = utcnow().date()
    day = today - timedelta(days=1)  # yesterday's mentions: a whole day to draw from
    picks = db.draw_audit_sample(store, day, AUDIT_SIZE)
    pending = [p for p in db.audit_sample(store, day) if p.confirmed_at is None]
    st.caption(f"{len(picks)} mentions of {day.isoformat()} drawn at random; {len(pending)} still to check. "
               "Confirm what the model said, or correct it first in the queue.")
    for pick in pending:
        row = store.get(pick.mention_id)
        with st.container(border=True):
            st.text(row.text[:500])
            st.text(f"#{row.id} · {row.channel} · {row.language or '?'} · sentiment {row.sentiment} · "
                    f"intent {row.intent} · topic {row.topic or '-'}")
            if st.button("Labels are right", key=f"audit-ok-{row.id}", icon=":material/check:",
                         disabled=not who.name):
                labels = [Label("sentiment", row.sentiment or "neutral"), Label("intent", row.intent or "other")]
                if row.topic:
                    labels.append(Label("topic", row.topic))
                confirm_audit_pick(store, row.id, who, labels)
                st.rerun()


def _versions() -> None:
    who = current_actor()
    admin = who.can("manage_models")
    for task in registry.TASKS:
        versions = registry.versions(task)
        st.dataframe(pd.DataFrame([{
            "version": v.name, "in use": "yes" if v.promoted else "",
            "team held-out": v.card.validation.get(registry.TEAM_KEY, {}).get("macro_recall"),
            "public validation": "; ".join(f"{k} {f.get('macro_recall', f.get('accuracy'))}"
                                           for k, f in v.card.validation.items() if not k.startswith("team")),
        } for v in versions]), hide_index=True)
        if not admin:
            continue
        candidates = [v.name for v in versions if not v.promoted]
        left, right = st.columns(2)
        chosen = left.selectbox(f"Promote a {task} version", candidates, key=f"promote-{task}", index=None)
        if chosen and left.button(f"Promote {chosen}", key=f"promote-go-{task}"):
            decision = promote(chosen, who)
            (st.success if decision.promote else st.warning)(decision.why)
        if right.button(f"Roll back {task}", key=f"rollback-{task}", disabled=registry.previous(task) is None):
            try:
                st.success(f"Back to {rollback(task, who)}")
            except TriageError as exc:
                st.error(str(exc))


@st.fragment(run_every=5)
def _retraining() -> None:
    who = current_actor()
    status = job_status()
    if status is not None and status.running:
        st.progress(status.fraction, text=f"Retraining… {status.message}")
        return
    if status is not None and status.finished:
        (st.success if status.returncode == 0 else st.warning)(f"Last retraining ({status.started_at}): "
                                                                f"{status.message}")
    if not who.can("manage_models"):
        return
    left, right = st.columns([2, 3])
    with_adapter = right.checkbox("Also fine-tune the adapter (about 7 minutes instead of about 2)",
                                  key="retrain-adapter", help=f"The {ADAPTER_NOTE}; the new adapter and every head "
                                  "on it are promoted or rolled back as one set.")
    if left.button("Retrain from the team's corrections", icon=":material/model_training:", key="retrain"):
        try:
            start_retraining(who, resolve_url(), adapter=with_adapter)
            st.rerun(scope="fragment")
        except TriageError as exc:
            st.error(str(exc))


def render() -> None:
    require_page("see_reports", "Model")  # managers and admins; retraining and promotion: admins
    st.title("Model")
    store = ready_store()
    st.caption(f"{db.correction_count(store)} corrections so far.")
    st.subheader("Accuracy as the team sees it")
    _figures(store)
    st.subheader("Today's audit")
    _audit(store)
    st.subheader("Versions")
    _versions()
    st.subheader("Retraining")
    _retraining()


render()
