"""The step whose tree becomes the run's result: it must beat the base tree, not just follow it.

The run grades a step on the validation split only when its train gates pass, and never the base
tree (step 0); so the choice fell to train loss or to any graded step, and a hack that changed no
held-out outcome (a broad except returning a default, a soft exit, a call counter) was exported.
When the choice is in doubt (the chosen step did not pass validation, or carries an alert), the
base tree and the chosen step are graded here and the choice is made again with their scores: a
step must beat the base tree on validation, or tie it with no alert and a better train loss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set

from codefit.guards.base import Alert
from codefit.harness.plan import RunPlan
from codefit.harness.selection import carried_alerts, choose_checkpoint
from codefit.sensors.base import Reading
from codefit.spec import mean_score
from codefit.store import Store
from codefit.store.records import StepRecord
from codefit.workspace.grading import grade
from codefit.workspace.workspace import Workspace

GradeValidation = Callable[[str], list[Reading]]


def result_step(
    store: Store, run_id: str, restore: int | None, workspace: Workspace, plan: RunPlan
) -> tuple[StepRecord, list[Reading]]:
    """The run's chosen step, and the validation readings graded here when it is the base tree."""
    spec = plan.spec

    def grade_validation(commit: str) -> list[Reading]:
        return grade(workspace, commit, spec.validation, plan.context)

    grader = grade_validation if spec.validation else None
    return choose_result(store.steps(run_id), store.alerts(run_id), restore, grader, spec.weights())


def choose_result(
    steps: Sequence[StepRecord],
    alerts: Sequence[tuple[int, Alert, str]],
    restore: int | None,
    grade_validation: GradeValidation | None,
    weights: dict[str, float],
) -> tuple[StepRecord, list[Reading]]:
    """`choose_checkpoint`, with the chosen step and the base tree graded on the validation split
    (`grade_validation`, None without one) where the run did not, when that can change the choice.
    Returns the validation readings graded here for the step finally chosen (empty: none were)."""
    alerted = carried_alerts(steps, alerts)
    chosen = choose_checkpoint(steps, restore, alerted)
    base = next((s for s in steps if s.idx == 0), None)
    if grade_validation is None or base is None or not _in_doubt(chosen, base, restore, alerted):
        return chosen, []
    graded: dict[int, tuple[StepRecord, list[Reading]]] = {}
    for step in (base, chosen):
        readings = [] if step.val_score is not None else grade_validation(step.checkpoint)
        score = mean_score(readings, weights)
        if score is not None:
            scored = step.model_copy(
                update={"val_score": score, "val_passed": all(r.passed for r in readings)}
            )
            graded[step.idx] = (scored, readings)
    again = choose_checkpoint([graded[s.idx][0] if s.idx in graded else s for s in steps], restore, alerted)
    return again, graded[again.idx][1] if again.idx in graded else []


def _in_doubt(chosen: StepRecord, base: StepRecord, restore: int | None, alerted: Set[int]) -> bool:
    """Whether grading the base tree (and the chosen step, when the run did not) could change the
    choice: the chosen step did not pass validation, or carries an alert. A restored step is the
    user's own choice."""
    if restore is not None or chosen.idx == base.idx:
        return False
    return not chosen.val_passed or chosen.idx in alerted
