"""A run as one JSON-ready dict: what `codefit show --json` prints and reports are built from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codefit.phases.records import phase_summaries
from codefit.sensors.base import Reading
from codefit.spec import Split
from codefit.store import RunRecord, Store


def run_summary(store: Store, run: RunRecord) -> dict[str, Any]:
    steps = store.steps(run.id)
    alerts = store.alerts(run.id)
    queries = store.queries(run.id)
    readings = store.readings_by_step(run.id)
    final = run.final or {}
    return {
        "run": {
            "id": run.id,
            "status": run.status.value,
            "branch": run.branch,
            "created": run.created,
            "updated": run.updated,
            "optimizer": run.optimizer,
            "fingerprint": run.fingerprint,
            "base_commit": run.base_commit,
            "max_steps": run.max_steps,
            "chosen_step": run.chosen_step,
            "parent_run": run.parent_run,
            "parent_step": run.parent_step,
            "error": run.error,
            "live": store.is_live(run.id) if run.status.value == "running" else False,
        },
        "steps": [
            {
                "index": s.idx,
                "status": s.status,
                "checkpoint": s.checkpoint,
                "loss": s.loss,
                "train": {
                    "score": s.train_score,
                    "passed": s.logs.get("train_passed"),
                    "tests": test_counts(readings.get(s.idx, []), Split.TRAIN),
                },
                "validation": None
                if s.val_score is None
                else {"score": s.val_score, "passed": bool(s.val_passed)},
                "gap": s.logs.get("gap"),
                "rolled_back": s.rolled_back,
                "alerts": sum(1 for step, _, _ in alerts if step == s.idx),
                "cost_usd": s.cost_usd,
                "cost_known": s.logs.get("cost_known", True) is not False,
                "tokens": {"input": s.input_tokens, "output": s.output_tokens, "cached": s.cached_tokens},
                "duration_s": s.ended - s.started,
                "error": s.error,
                "summary": s.summary,
                "readings": [
                    {"sensor": r.sensor, "split": r.split.value, "score": r.score, "passed": r.passed}
                    for r in readings.get(s.idx, [])
                ],
                "logs": s.logs,
            }
            for s in steps
        ],
        "config": run.config,
        "phases": phase_summaries(store, run.id),
        "queries": [q.model_dump(mode="json") for q in queries],
        "alerts": [
            {"step": step, "action": action, **alert.model_dump(mode="json")}
            for step, alert, action in alerts
        ],
        "final": {
            "step": final.get("step"),
            "stop_reason": final.get("stop_reason"),
            "met": final.get("met"),
            "train": {
                **_split(final, Split.TRAIN),
                "tests": test_counts(store.readings(run.id, phase="final"), Split.TRAIN),
            },
            "validation": _split(final, Split.VALIDATION),
            "test": _split(final, Split.TEST),
            "generalization_gap": final.get("generalization_gap"),
            # No validation query was made: a validation score graded only at the end is not shown.
            "validation_queried": bool(queries) or final.get("validation_queried") is True,
            "gap_basis": gap_basis(final),
            "cheating_rate": final.get("cheating_rate"),
            "canaries": final.get("canaries"),
            **final_test_metrics(store, run),
        },
    }


def test_counts(readings: Sequence[Reading], split: Split) -> list[int] | None:
    """[passed, counted] over the split's tests (skipped ones left out); None when it ran none."""
    counted = [r.counts for r in readings if r.split == split and r.counts.total]
    if not counted:
        return None
    return [sum(c.passed for c in counted), sum(c.total - c.skipped for c in counted)]


def gap_basis(final: dict[str, Any]) -> str | None:
    """The held-out split the generalization gap subtracts: the test split when it was graded."""
    for split in (Split.TEST, Split.VALIDATION):
        if (final.get(split.value) or {}).get("score") is not None:
            return split.value
    return None


def final_test_metrics(store: Store, run: RunRecord) -> dict[str, float]:
    """The test split's sensor metrics (`test_mutation_score`, ...): graded once, at the end, they
    are in no step's logs."""
    return {
        f"test_{key}": value
        for reading in store.readings(run.id, phase="final")
        if reading.split == Split.TEST
        for key, value in reading.metrics.items()
    }


def _split(final: dict[str, Any], split: Split) -> dict[str, Any]:
    value = final.get(split.value)
    return {"score": value["score"] if value else None, "passed": value["passed"] if value else None}
