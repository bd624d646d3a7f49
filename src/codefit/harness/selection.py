"""Pure decisions of the loop: the step logs, the chosen checkpoint, the stop reason."""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any

from codefit.guards.base import Alert, Severity
from codefit.harness.plan import RunPlan
from codefit.optimizers.base import StepResult, StepStatus
from codefit.sensors.base import Reading
from codefit.spec import Spec, gates_pass, loss, mean_score
from codefit.store.records import StepRecord


def step_logs(
    step: int,
    spec: Spec,
    train: Sequence[Reading],
    validation: Sequence[Reading],
    *,
    status: str,
    alerts: int,
    cost_usd_total: float,
    tokens_total: int,
    budget_left: int | None,
) -> dict[str, Any]:
    """The flat dict callbacks see. Validation keys carry a `val_` prefix, as in Keras."""
    weights = spec.weights()
    logs: dict[str, Any] = {
        "step": step,
        "status": status,
        "loss": loss(train, weights),
        "train_score": mean_score(train, weights),
        "train_passed": bool(train) and all(r.passed for r in train),
        "gates_passed": gates_pass(train, spec.gates()),
        "alerts": alerts,
        "cost_usd_total": cost_usd_total,
        "tokens_total": tokens_total,
        "val_budget_left": budget_left,
    }
    for reading in train:
        logs[f"score_{reading.sensor}"] = reading.score
        for key, value in reading.metrics.items():
            logs[key] = value
    if validation:
        val_score = mean_score(validation, weights)
        logs["val_score"] = val_score
        logs["val_passed"] = all(r.passed for r in validation)
        if logs["train_score"] is not None and val_score is not None:
            logs["gap"] = logs["train_score"] - val_score
        for reading in validation:
            for key, value in reading.metrics.items():
                logs[f"val_{key}"] = value
    return logs


def cost_known_logs(steps: Sequence[StepRecord], result: StepResult) -> dict[str, Any]:
    """Whether this step's cost is known (an agent's model had a price) and how many steps so far
    had an unknown cost: their tokens were spent, so the run's total is then a lower bound."""
    earlier = sum(1 for s in steps if s.logs.get("cost_known") is False)
    known = result.usage.cost_known
    return {"cost_known": known, "cost_unknown_steps": earlier + (0 if known else 1)}


MAX_CONSECUTIVE_ERRORS = 3
MAX_IDLE_STEPS = 2


def stop_reason(
    spec: Spec, result: StepResult, logs: dict[str, Any], budget_left: int | None, statuses: Sequence[str]
) -> str:
    """Why the run stops after this step ("" to go on); `statuses` are every step's, this one last."""
    if result.status == StepStatus.FLAGGED:
        return f"the optimizer flagged a contradiction in the spec: {result.summary}"
    if logs["rolled_back"]:
        pass  # what passed was undone; the optimizer goes on from the previous checkpoint
    elif spec.validation:
        if logs.get("val_passed"):
            return "validation passed"
        if logs["gates_passed"] and budget_left is not None and budget_left <= 0:
            return "validation budget spent"
    elif logs["train_passed"]:
        return "train split passed"
    if result.status == StepStatus.GAVE_UP:
        return "the optimizer gave up"
    if _trailing(statuses, StepStatus.ERROR) >= MAX_CONSECUTIVE_ERRORS:
        return f"the optimizer failed {MAX_CONSECUTIVE_ERRORS} steps in a row"
    if _trailing(statuses, StepStatus.NO_CHANGE) >= MAX_IDLE_STEPS:
        return f"the optimizer made no change for {MAX_IDLE_STEPS} steps in a row"
    return ""


def _trailing(statuses: Sequence[str], status: StepStatus) -> int:
    count = 0
    for recorded in reversed(statuses):
        if recorded != status.value:
            break
        count += 1
    return count


def carried_alerts(steps: Sequence[StepRecord], alerts: Sequence[tuple[int, Alert, str]]) -> set[int]:
    """Steps whose tree carries a warn or block alert that was kept: raised on the step itself or on
    an earlier kept step (its change is still in the tree). A rolled-back step's alerts went with it."""
    kept = {s.idx for s in steps if not s.rolled_back}
    raised = [step for step, alert, _ in alerts if step in kept and alert.severity != Severity.INFO]
    if not raised:
        return set()
    first = min(raised)
    return {idx for idx in kept if idx >= first}


def choose_checkpoint(
    steps: Sequence[StepRecord], restore: int | None = None, alerted: Set[int] = frozenset()
) -> StepRecord:
    """The run's result: best validation score (train loss when nothing was graded held-out); on a
    tie, a step carrying no alert (`alerted`, see `carried_alerts`) wins, then the best train loss,
    then the latest. Rolled-back steps never win. A hack that changes no held-out outcome ties the
    base tree, which carries no alert, so the base tree stays the result."""
    candidates = [s for s in steps if not s.rolled_back] or list(steps)
    if restore is not None:
        for s in candidates:
            if s.idx == restore:
                return s
    heldout = any(s.val_score is not None for s in candidates)

    def rank(s: StepRecord) -> tuple[float, bool, float, int]:
        clean = s.idx not in alerted
        train = -(s.loss if s.loss is not None else 1.0)
        if heldout:
            return (s.val_score if s.val_score is not None else -1.0, clean, train, s.idx)
        return (train, clean, 0.0, s.idx)

    return max(candidates, key=rank)


def generalization_gap(train: float | None, validation: float | None, test: float | None) -> float | None:
    """Train score minus the held-out score (the test split when there is one)."""
    heldout = test if test is not None else validation
    if train is None or heldout is None:
        return None
    return train - heldout


def final_summary(
    plan: RunPlan,
    chosen: StepRecord,
    train: list[Reading],
    validation: list[Reading],
    test: list[Reading],
    stop_reason: str,
) -> dict[str, Any]:
    """What the run achieved on its chosen checkpoint, split by split, and whether it met the spec."""
    weights = plan.spec.weights()

    def split(readings: list[Reading]) -> dict[str, Any] | None:
        if not readings:
            return None
        return {"score": mean_score(readings, weights), "passed": all(r.passed for r in readings)}

    final: dict[str, Any] = {
        "step": chosen.idx,
        "checkpoint": chosen.checkpoint,
        "stop_reason": stop_reason,
        "train": split(train),
        "validation": split(validation),
        "test": split(test),
    }
    scores = {
        k: (v["score"] if v else None) for k, v in final.items() if k in ("train", "validation", "test")
    }
    final["generalization_gap"] = generalization_gap(scores["train"], scores["validation"], scores["test"])
    final["grader_integrity"] = grader_integrity([*validation, *test])
    heldout = [v for v in (final["validation"], final["test"]) if v is not None]
    final["met"] = (
        all(v["passed"] for v in heldout) if heldout else bool(final["train"] and final["train"]["passed"])
    )
    return final


def grader_integrity(readings: Sequence[Reading]) -> float | None:
    """The share of impossible twins that failed, as they must (None when no twin ran)."""
    twins = sum(r.metrics.get("twins", 0.0) for r in readings)
    passed = sum(r.metrics.get("twins_passed", 0.0) for r in readings)
    return None if not twins else 1.0 - passed / twins
