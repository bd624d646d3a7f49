from __future__ import annotations

import pytest

from codefit.harness.callbacks import Budget, CallbackList, EarlyStopping, RunControl
from codefit.harness.selection import choose_checkpoint, generalization_gap
from codefit.store import StepRecord


def attach(cb: EarlyStopping | Budget) -> RunControl:
    control = RunControl()
    cb.set_run(control)
    return control


def test_early_stopping_waits_patience_steps_and_restores_best() -> None:
    es = EarlyStopping(monitor="loss", patience=2)
    control = attach(es)
    es.on_run_begin({"loss": 1.0})
    es.on_step_end(1, {"loss": 0.4})
    es.on_step_end(2, {"loss": 0.5})
    assert not control.stop_training
    es.on_step_end(3, {"loss": 0.45})
    assert control.stop_training and "did not improve for 2 steps" in control.stop_reason
    assert control.restore_step == 1


def test_early_stopping_maximises_scores_in_auto_mode() -> None:
    es = EarlyStopping(monitor="val_score", patience=1, restore_best=False)
    control = attach(es)
    es.on_step_end(1, {"val_score": 0.5})
    es.on_step_end(2, {"val_score": 0.7})
    assert not control.stop_training
    es.on_step_end(3, {"val_score": 0.7})
    assert control.stop_training and control.restore_step is None


def test_early_stopping_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="sideways")


def test_budget_stops_on_cost() -> None:
    budget = Budget(max_cost_usd=1.0)
    control = attach(budget)
    budget.on_step_end(1, {"cost_usd_total": 0.5})
    assert not control.stop_training
    budget.on_step_end(2, {"cost_usd_total": 1.2})
    assert control.stop_reason == "cost budget of $1 spent"


def test_the_tightest_budget_is_what_the_feedback_reports_as_left() -> None:
    control = RunControl()
    callbacks = CallbackList([Budget(max_cost_usd=2.0), Budget(max_cost_usd=1.5, max_seconds=3600)], control)
    seconds, dollars = callbacks.budget_left({"cost_usd_total": 0.5})
    assert dollars == 1.0
    assert seconds is not None and 3500 < seconds <= 3600
    assert CallbackList([], control).budget_left({"cost_usd_total": 0.5}) == (None, None)


def step(idx: int, loss: float | None, val: float | None = None, rolled_back: bool = False) -> StepRecord:
    return StepRecord(
        run_id="r",
        idx=idx,
        checkpoint=f"c{idx}",
        started=0,
        ended=0,
        status="edited",
        loss=loss,
        val_score=val,
        rolled_back=rolled_back,
    )


def test_chosen_checkpoint_prefers_validation_then_loss_then_latest() -> None:
    assert choose_checkpoint([step(0, 1.0), step(1, 0.0, 0.5), step(2, 0.2, 0.9)]).idx == 2
    assert choose_checkpoint([step(0, 1.0), step(1, 0.2), step(2, 0.5)]).idx == 1
    assert choose_checkpoint([step(0, 0.5), step(1, 0.5)]).idx == 1
    assert choose_checkpoint([step(0, 1.0), step(1, 0.0, rolled_back=True)]).idx == 0
    assert choose_checkpoint([step(0, 1.0), step(1, 0.0)], restore=0).idx == 0


def test_generalization_gap_uses_test_when_present() -> None:
    assert generalization_gap(1.0, 0.5, 0.25) == 0.75
    assert generalization_gap(1.0, 0.5, None) == 0.5
    assert generalization_gap(1.0, None, None) is None


def test_stop_reason_ignores_what_an_undone_step_passed_and_counts_trailing_failures() -> None:
    from codefit.harness.selection import stop_reason
    from codefit.optimizers.base import StepResult, StepStatus
    from codefit.spec import Spec

    spec = Spec(())  # no validation split: a passing train split ends the run
    passed = {"rolled_back": False, "train_passed": True, "gates_passed": True}
    edited = StepResult(status=StepStatus.EDITED)
    assert stop_reason(spec, edited, passed, None, ["baseline", "edited"]) == "train split passed"
    undone = {**passed, "rolled_back": True}
    assert stop_reason(spec, edited, undone, None, ["baseline", "edited"]) == ""
    failing = {**passed, "train_passed": False}
    error = StepResult(status=StepStatus.ERROR)
    assert stop_reason(spec, error, failing, None, ["baseline", "error", "error"]) == ""
    assert stop_reason(spec, error, failing, None, ["baseline", "error", "error", "error"]) == (
        "the optimizer failed 3 steps in a row"
    )
