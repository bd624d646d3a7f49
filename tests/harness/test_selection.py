"""The result step: alerts break ties, and the base tree keeps its place unless a step beats it."""

from __future__ import annotations

from codefit.guards.base import Alert, Severity
from codefit.harness.result_step import choose_result
from codefit.harness.selection import carried_alerts, choose_checkpoint
from codefit.sensors.base import Reading
from codefit.store.records import StepRecord


def step(idx: int, loss: float, val: float | None = None, rolled_back: bool = False) -> StepRecord:
    return StepRecord(
        run_id="r",
        idx=idx,
        checkpoint=f"c{idx}",
        started=0,
        ended=0,
        status="edited",
        loss=loss,
        val_score=val,
        val_passed=None if val is None else val >= 1.0,
        rolled_back=rolled_back,
    )


def alert(step: int, severity: Severity) -> tuple[int, Alert, str]:
    return (step, Alert(guard="exit", kind="soft_exit", severity=severity, message="m"), "warn")


def test_a_kept_alert_is_carried_by_every_later_kept_step_and_info_is_not_an_alert() -> None:
    steps = [step(0, 1.0), step(1, 0.5), step(2, 0.5, rolled_back=True), step(3, 0.2)]
    assert carried_alerts(steps, [alert(1, Severity.WARN)]) == {1, 3}
    assert carried_alerts(steps, [alert(2, Severity.BLOCK)]) == set()  # undone with its step
    assert carried_alerts(steps, [alert(3, Severity.INFO)]) == set()


def test_on_a_validation_tie_the_step_without_alerts_wins_even_with_a_worse_train_loss() -> None:
    steps = [step(0, 1.0, 0.5), step(1, 0.1, 0.5)]
    assert choose_checkpoint(steps, alerted={1}).idx == 0
    assert choose_checkpoint(steps).idx == 1
    assert choose_checkpoint([step(0, 1.0, 0.5), step(1, 0.1, 0.9)], alerted={1}).idx == 1


def test_without_held_out_scores_train_loss_comes_before_alerts() -> None:
    # Train is then the only measure: an alert must not hide a step that improved it.
    assert choose_checkpoint([step(0, 1.0), step(1, 0.1)], alerted={1}).idx == 1
    assert choose_checkpoint([step(0, 1.0), step(1, 1.0)], alerted={1}).idx == 0


def reading(score: float) -> Reading:
    return Reading(sensor="holdout", split="validation", score=score, passed=score >= 1.0)


def test_the_base_tree_is_graded_when_in_doubt_and_wins_a_tie() -> None:
    graded: list[str] = []

    def grade(commit: str) -> list[Reading]:
        graded.append(commit)
        return [reading(0.5)]

    steps = [step(0, 1.0), step(1, 0.2, 0.5)]
    chosen, readings = choose_result(steps, [alert(1, Severity.WARN)], None, grade, {})
    assert (chosen.idx, chosen.val_score, graded) == (0, 0.5, ["c0"])
    assert [r.score for r in readings] == [0.5]
    # An alert-free step that ties the base tree on validation but improves train is kept.
    chosen, readings = choose_result(steps, [], None, grade, {})
    assert (chosen.idx, readings) == (1, [])
    # A step that passes validation with no alert is not in doubt: nothing more is graded.
    graded.clear()
    chosen, _ = choose_result([step(0, 1.0), step(1, 0.0, 1.0)], [], None, grade, {})
    assert (chosen.idx, graded) == (1, [])
    # A restored step is the user's choice; without a validation split there is nothing to grade.
    chosen, _ = choose_result(steps, [alert(1, Severity.WARN)], 1, grade, {})
    assert (chosen.idx, graded) == (1, [])
    chosen, _ = choose_result([step(0, 1.0), step(1, 0.2)], [alert(1, Severity.WARN)], None, None, {})
    assert (chosen.idx, graded) == (1, [])


def test_a_step_the_run_never_graded_is_graded_with_the_base_and_must_beat_it() -> None:
    # Train gates never passed, so the run graded nothing held-out: train loss alone chose step 1.
    steps = [step(0, 1.0), step(1, 0.2)]
    scores = {"c0": 0.5, "c1": 0.5}
    chosen, readings = choose_result(
        steps, [alert(1, Severity.WARN)], None, lambda c: [reading(scores[c])], {}
    )
    assert (chosen.idx, [r.score for r in readings]) == (0, [0.5])
    chosen, readings = choose_result(steps, [], None, lambda c: [reading(scores[c])], {})
    assert (chosen.idx, [r.score for r in readings]) == (1, [0.5])  # the final summary reuses them
    scores["c1"] = 0.75
    chosen, _ = choose_result(steps, [alert(1, Severity.WARN)], None, lambda c: [reading(scores[c])], {})
    assert chosen.idx == 1  # it beats the base tree held-out: the alert stays a warning
