"""Running the guards on one step's change and deciding each alert's policy."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from codefit.guards import policy_for, run_guards
from codefit.guards.base import Alert, Change, Policy, Severity
from codefit.harness.plan import RunPlan
from codefit.optimizers.base import StepResult
from codefit.sensors.base import Reading
from codefit.workspace.workspace import Workspace


def run_files(workspace: Workspace) -> tuple[str, ...]:
    """The task and feedback files the loop writes next to the workspace for the optimizer.

    They are the run's own (`Trainer._optimizer_step` names them `task.md` and `feedback-<step>.md`
    in the workspace's parent) and the `command` optimizer's `{task}` / `{feedback}` point there, so
    reading them is not reaching outside the workspace. Earlier steps' feedback was handed over too.
    """
    run_dir = workspace.path.parent
    return tuple(str(p) for p in (run_dir / "task.md", *sorted(run_dir.glob("feedback-*.md"))))


def optimizer_files(plan: RunPlan) -> tuple[str, ...]:
    """Files the optimizer's own configuration names (the `command` optimizer's script): the user's,
    so a step reading them is not reaching outside its workspace."""
    own = getattr(plan.optimizer, "own_files", None)
    return tuple(str(p) for p in own((plan.repo, *plan.heldout_paths()))) if own is not None else ()


def confined_probe(plan: RunPlan) -> Callable[[str, Path, str], str | None]:
    """Runs a guard's script with the interpreter of the code under test, confined like a sensor."""

    def probe(script: str, tree: Path, stdin: str) -> str | None:
        done = plan.context.run([plan.context.python, "-c", script], tree, timeout_s=60, stdin_text=stdin)
        return done.stdout if done.returncode == 0 and not done.timed_out else None

    return probe


def inspect_step(
    plan: RunPlan,
    workspace: Workspace,
    before: str,
    after: str,
    readings: Sequence[Reading],
    result: StepResult,
    feedback: str,
    heldout: Mapping[str, str],
) -> list[tuple[Alert, Policy]]:
    """Alerts raised by the step from `before` to `after`, each with the policy that applies."""
    base = workspace.base
    change = Change(
        tree=workspace.path,
        diff=workspace.diff(before, after),
        changed_files=tuple(workspace.changed_files(before, after)),
        # Every guard reads the changed files' old texts: one `git cat-file` each, not one per guard.
        before=functools.cache(lambda rel: workspace.show(before, rel)),
        base=functools.cache(lambda rel: workspace.show(base, rel)),
        readings=readings,
        transcript=result.transcript,
        protected=plan.protected,
        feedback=feedback,
        heldout=heldout,
        run_files=(*run_files(workspace), *optimizer_files(plan)),
        writable=plan.writable,
        probe=confined_probe(plan),
    )
    alerts = run_guards(change, plan.guards) + tampered_alerts(readings)
    return [(alert, policy_for(alert, plan.guards)) for alert in alerts]


def tampered_alerts(readings: Sequence[Reading]) -> list[Alert]:
    """A block alert for each reading whose run was tampered with (the sensor's "tampered"
    finding: runner internals replaced, frames or test files read, impossible twins passed)."""
    return [
        Alert(
            guard="grader",
            kind="tampered_run",
            severity=Severity.BLOCK,
            message=f"{reading.split} sensor {reading.sensor!r}: {finding.message}",
            path=finding.path,
            line=finding.line,
        )
        for reading in readings
        for finding in reading.findings
        if finding.rule == "tampered"
    ]
