"""The fit loop: step -> snapshot -> train readings -> guards -> blind query -> callbacks -> stop check.

Everything else sits behind small calls, so this file reads as the algorithm.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefit.errors import StoreError
from codefit.guards import policy_for
from codefit.guards.base import Alert, Policy
from codefit.guards.canaries import Canary, canary_alerts, cheating_rate, plant, without_canaries
from codefit.guards.leakage import LeakageGuard
from codefit.harness import blind
from codefit.harness.beside import beside
from codefit.harness.bridge import serve_bridge
from codefit.harness.callbacks import Callback, CallbackList, RunControl
from codefit.harness.context import FLAG_FILE, consume_flag
from codefit.harness.feedback import FeedbackInput, feedback_settings, render_feedback
from codefit.harness.graded import graded_trees
from codefit.harness.guarding import inspect_step, tampered_alerts
from codefit.harness.guides import write_guides
from codefit.harness.heldout import heldout_texts
from codefit.harness.plan import RunPlan, workdir
from codefit.harness.recording import step_record
from codefit.harness.result_step import result_step
from codefit.harness.selection import (
    cost_known_logs,
    final_summary,
    step_logs,
    stop_reason,
)
from codefit.harness.tools import HarnessTools, guide_for
from codefit.optimizers.base import HiddenVerdict, StepResult, StepState, StepStatus
from codefit.quality.drift import deltas, drift_alerts
from codefit.sensors.base import Reading
from codefit.sensors.quality import drift_window
from codefit.spec import gates_pass, mean_score
from codefit.store import RunRecord, RunStatus, StepRecord, Store, new_run_id
from codefit.workspace.export import export_branch, save_bundle
from codefit.workspace.git import head_commit
from codefit.workspace.grading import grade
from codefit.workspace.lifetime import recording
from codefit.workspace.measure import read_committed
from codefit.workspace.workspace import Workspace

REPEAT_NOTE = "The hidden checks already graded this exact tree; their answer stands."


@dataclass
class History:
    """What `fit` returns: the run's id, each step's logs, and the final evaluation."""

    run_id: str
    status: RunStatus = RunStatus.RUNNING
    branch: str | None = None
    stop_reason: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return self.status == RunStatus.MET


class Trainer:
    def __init__(self, plan: RunPlan, store: Store, callbacks: Sequence[Callback] = ()) -> None:
        self.plan = plan
        self.store = store
        self.control = RunControl()
        self.callbacks = CallbackList(callbacks, self.control)
        self._heldout_texts: dict[str, str] | None = None
        self._canaries: list[Canary] = []
        self._graded: dict[str, list[Reading]] = {}
        self._step_started = 0.0  # when the step in flight began: its time includes the optimizer's
        self._blind: tuple[HiddenVerdict, ...] = ()  # the last step's blind answers, as shown
        self._feedback_settings = feedback_settings(plan.feedback)

    # starting and resuming

    def start(self, *, dirty: bool = False) -> History:
        run_id = new_run_id()
        workspace = Workspace.create(
            self.plan.repo,
            workdir() / run_id / "ws",
            dirty=dirty,
            exclude=self.plan.heldout_paths(),
            prepare=self._plant_canaries,
        )
        run = self._create_run(run_id, workspace, head_commit(self.plan.repo))
        history = History(run_id=run_id)
        # The lock is held until the run ends or its process dies; its processes die with it.
        with self.store.stepping(run.id), recording(Path(run.workspace).parent):
            feedback = self._baseline(run, workspace, history)
            return self._loop(run, workspace, history, first_step=1, feedback=feedback, session={})

    def replay(self, parent_ref: str, from_step: int, *, session: dict[str, Any] | None = None) -> History:
        """A new run, linked to `parent_ref`, starting from its checkpoint `from_step`; with the
        optimizer session it had there, or `session` (`{}`: a fresh context)."""
        parent = self.store.run(parent_ref)
        steps = {s.idx: s for s in self.store.steps(parent.id)}
        if from_step not in steps:
            raise StoreError(f"run {parent.id} has no step {from_step} (steps: {sorted(steps)})")
        start = steps[from_step]
        run_id = new_run_id()
        bundle = self.store.root / "runs" / f"{parent.id}.bundle"
        workspace = Workspace.from_bundle(bundle, workdir() / run_id / "ws", start.checkpoint)
        self._canaries = [Canary.model_validate(c) for c in parent.canaries]
        run = self._create_run(run_id, workspace, parent.base_commit, parent=(parent.id, from_step))
        history = History(run_id=run_id)
        with self.store.stepping(run.id), recording(Path(run.workspace).parent):
            feedback = self._baseline(run, workspace, history)
            return self._loop(
                run,
                workspace,
                history,
                first_step=1,
                feedback=feedback,
                session=start.session if session is None else session,
            )

    def _create_run(
        self, run_id: str, workspace: Workspace, base_commit: str, parent: tuple[str, int] | None = None
    ) -> RunRecord:
        now = time.time()
        run = RunRecord(
            id=run_id,
            created=now,
            updated=now,
            status=RunStatus.RUNNING,
            repo=str(self.plan.repo),
            workspace=str(workspace.path),
            base_commit=base_commit,
            fingerprint=self.plan.fingerprint(),
            config=self.plan.config,
            optimizer=self.plan.optimizer_kind,
            max_steps=self.plan.max_steps,
            parent_run=parent[0] if parent else None,
            parent_step=parent[1] if parent else None,
            canaries=[c.model_dump() for c in self._canaries],
        )
        self.store.create_run(run)
        return run

    def resume(self, run_ref: str) -> History:
        run = self.store.run(run_ref)
        if run.status != RunStatus.RUNNING:
            raise StoreError(f"run {run.id} already finished ({run.status}); nothing to resume")
        workspace = Workspace(Path(run.workspace))
        self._canaries = [Canary.model_validate(c) for c in run.canaries]
        steps = self.store.steps(run.id)
        if not steps:
            raise StoreError(f"run {run.id} has no recorded step to resume from")
        last = steps[-1]
        kept = next(s for s in reversed(steps) if not s.rolled_back)
        # A run still stepped by a live process is refused here.
        with self.store.stepping(run.id), recording(Path(run.workspace).parent):
            workspace.rollback(kept.checkpoint)  # drop whatever the step in flight left behind
            self._graded = graded_trees(self.store, run.id, workspace)  # their answers stand
            history = History(run_id=run.id, steps=[s.logs for s in steps if s.idx > 0])
            feedback = self.store.blobs.text(last.next_feedback_blob)
            self._blind = blind.shown_recorded([q for q in self.store.queries(run.id) if q.step == last.idx])
            return self._loop(
                run, workspace, history, first_step=last.idx + 1, feedback=feedback, session=last.session
            )

    # the loop

    def _loop(
        self,
        run: RunRecord,
        workspace: Workspace,
        history: History,
        *,
        first_step: int,
        feedback: str,
        session: dict[str, Any],
    ) -> History:
        reason = ""
        for step in range(first_step, self.plan.max_steps + 1):
            self.callbacks.on_step_begin(step, history.steps[-1] if history.steps else {})
            result = self._optimizer_step(run, workspace, step, feedback, session)
            session = result.session or session
            logs, feedback, stop = self._measure(run, workspace, step, result, feedback)
            history.steps.append(logs)
            self.callbacks.on_step_end(step, logs)
            reason = stop or self.control.stop_reason
            if reason:
                break
        else:
            reason = f"reached max_steps ({self.plan.max_steps})"
        history.stop_reason = reason
        return self._finish(run, workspace, history)

    def _optimizer_step(
        self, run: RunRecord, workspace: Workspace, step: int, feedback: str, session: dict[str, Any]
    ) -> StepResult:
        self._step_started = time.time()
        run_dir = Path(run.workspace).parent
        task_file, feedback_file = run_dir / "task.md", run_dir / f"feedback-{step}.md"
        task_file.write_text(self.plan.task, encoding="utf-8")
        feedback_file.write_text(feedback, encoding="utf-8")
        state = StepState(
            workspace=workspace.path,
            step=step,
            task=self.plan.task,
            feedback=feedback,
            task_file=task_file,
            feedback_file=feedback_file,
            train_sensors=self.plan.spec.train,
            sensor_context=self.plan.context,
            run_checks=lambda: self._read(self.plan.spec.train, workspace, workspace.tree_now()),
            timeout_s=self.plan.step_timeout,
            session=dict(session),
            writable=self.plan.writable,
            protected=self.plan.protected,
            hidden=(self.plan.repo, self.store.root, *self.plan.heldout_paths(), workspace.git_dir),
            blind=self._blind,
        )
        self._write_guides(workspace)
        tools = HarnessTools(self.plan, self.store.root, run.id, workspace, step, self._graded)
        with serve_bridge(workspace.path, tools.handlers()):
            try:
                result = self.plan.optimizer.step(state)
            except Exception as exc:  # an optimizer's bug is the step's error, never the run's end
                result = StepResult(status=StepStatus.ERROR, error=f"{type(exc).__name__}: {exc}")
        return consume_flag(workspace.path, result)

    def _write_guides(self, workspace: Workspace) -> None:
        """AGENTS.md / CLAUDE.md in the workspace, kept out of every checkpoint."""
        options = getattr(self.plan.optimizer, "options", None)
        written = write_guides(workspace.path, guide_for(self.plan, mcp=bool(getattr(options, "mcp", False))))
        workspace.ignore([*written, FLAG_FILE, ".aider*"])

    def _measure(
        self, run: RunRecord, workspace: Workspace, step: int, result: StepResult, feedback: str
    ) -> tuple[dict[str, Any], str, str]:
        started = self._step_started
        # The tree this step started from: the last checkpoint kept (an undone step's is gone).
        recorded = self.store.steps(run.id)  # every step before this one
        previous = next(s for s in reversed(recorded) if not s.rolled_back)
        checkpoint = workspace.snapshot(f"step {step}: {result.status}")
        diff = workspace.diff(previous.checkpoint, checkpoint)
        heldout = self._heldout()
        observed, verdicts = beside(
            lambda: self._read(self.plan.spec.train, workspace, checkpoint),
            lambda: inspect_step(
                self.plan, workspace, previous.checkpoint, checkpoint, (), result, feedback, heldout
            ),
        )
        train = without_canaries(observed, self._canaries)
        verdicts += [(a, policy_for(a, self.plan.guards)) for a in tampered_alerts(train)]
        verdicts += [(a, policy_for(a, self.plan.guards)) for a in canary_alerts(observed, self._canaries)]
        # A step a guard stops the run for is undone too: the hack must not be chosen or exported.
        rolled_back = _undoes(verdicts)
        spec = self.plan.spec
        queries: list[blind.BlindQuery] = []
        validation: list[Reading] = []
        repeat_note = ""
        if gates_pass(train, spec.gates()) and not rolled_back and spec.validation:
            queries, validation, repeat_note = self._query_blind(run, step, workspace, checkpoint, train)
            verdicts += [(a, policy_for(a, self.plan.guards)) for a in tampered_alerts(validation)]
            rolled_back = _undoes(verdicts)  # a grading run it tampered with undoes the step too
        stop = next(
            (f"guard {a.guard} stopped the run: {a.message}" for a, p in verdicts if p == Policy.STOP), ""
        )
        current = train  # the readings of the tree the optimizer goes on from
        if rolled_back:
            workspace.rollback(previous.checkpoint)
            current = self._train_readings(run.id, previous.idx)
        budget_left = blind.budget_left(self.store, run.id, spec.validation, [q.record for q in queries])
        self._blind = blind.shown(queries)
        usage_total = _usage_total(recorded, result, [*train, *validation])
        logs = step_logs(
            step,
            spec,
            train,
            validation,
            status=result.status.value,
            alerts=len(verdicts),
            cost_usd_total=usage_total[0],
            tokens_total=usage_total[1],
            budget_left=budget_left,
        )
        logs["rolled_back"] = rolled_back
        logs["sensor_cost_usd_total"] = usage_total[2]
        logs.update(cost_known_logs(recorded, result))
        if self._canaries:
            logs["cheating_rate"] = cheating_rate(observed, self._canaries)
        if not rolled_back:  # quality moves between the trees that were kept
            kept = [s.logs for s in recorded if not s.rolled_back]
            logs.update(deltas(kept[-1] if kept else None, logs))
            rises = drift_window(spec.sensors)
            verdicts += [(a, Policy.WARN) for a in drift_alerts([*kept, logs], rises=rises)]
        logs["alerts"] = len(verdicts)
        logs["new_alerts"] = [
            a.model_dump(mode="json", include={"guard", "kind", "severity", "message"}) for a, _ in verdicts
        ]
        notes = [
            f"Your last step was rolled back: {a.message}"
            for a, p in verdicts
            if p == Policy.ROLLBACK and a.guard != LeakageGuard.name  # leakage is never shown
        ]
        if result.error:
            notes.append(f"Your last step ended with an error: {result.error}")
        if repeat_note:
            notes.append(repeat_note)
        time_left, cost_left = self.callbacks.budget_left(logs)
        next_feedback = render_feedback(
            FeedbackInput(
                settings=self._feedback_settings,
                step=step,
                train=current,
                # A leakage alert would tell the optimizer which of its lines match held-out tests.
                alerts=[a for a, _ in verdicts if a.guard != LeakageGuard.name],
                blind=[q.verdict for q in queries],
                steps_left=self.plan.max_steps - step,
                queries_left=budget_left,
                cost_left_usd=cost_left,
                time_left_s=time_left,
                notes=notes,
            )
        )
        record = step_record(
            self.store.blobs, run.id, step, started, checkpoint, result, feedback, next_feedback, diff, logs
        )
        self.store.record_step(
            record,
            [*train, *validation],
            [(a, p.value) for a, p in verdicts],
            [q.record for q in queries],
        )
        statuses = [*(s.status for s in recorded), record.status]
        return logs, next_feedback, stop or stop_reason(self.plan.spec, result, logs, budget_left, statuses)

    def _query_blind(
        self, run: RunRecord, step: int, workspace: Workspace, checkpoint: str, train: list[Reading]
    ) -> tuple[list[blind.BlindQuery], list[Reading], str]:
        """Query the validation split, unless this exact tree was graded before (its answer stands)."""
        tree = workspace.tree_of(checkpoint)
        if tree in self._graded:
            return (
                [],
                self._graded[tree],
                "The hidden checks already graded this exact tree; their answer stands.",
            )
        spec = self.plan.spec
        queries = blind.query(
            self.store,
            run.id,
            step,
            workspace,
            checkpoint,
            spec.validation,
            self.plan.context,
            mean_score(train, spec.weights()),
        )
        validation = [q.reading for q in queries]
        if validation:
            self._graded[tree] = validation
        return queries, validation, ""

    # baseline and end

    def _baseline(self, run: RunRecord, workspace: Workspace, history: History) -> str:
        """Step 0 measures the base tree; its readings are the first step's feedback."""
        observed = self._read(self.plan.spec.train, workspace, workspace.head())
        train = without_canaries(observed, self._canaries)
        logs = step_logs(
            0,
            self.plan.spec,
            train,
            [],
            status="baseline",
            alerts=0,
            cost_usd_total=0.0,
            tokens_total=0,
            budget_left=blind.budget_left(self.store, run.id, self.plan.spec.validation),
        )
        feedback = render_feedback(
            FeedbackInput(
                step=0, train=train, steps_left=self.plan.max_steps, settings=self._feedback_settings
            )
        )
        result = StepResult(status=StepStatus.NO_CHANGE, summary="baseline")
        record = step_record(
            self.store.blobs, run.id, 0, time.time(), workspace.head(), result, "", feedback, "", logs
        )
        self.store.record_step(record.model_copy(update={"status": "baseline"}), train)
        self.callbacks.on_run_begin({**logs, "run_id": run.id, "workspace": run.workspace})
        return feedback

    def _finish(self, run: RunRecord, workspace: Workspace, history: History) -> History:
        steps = self.store.steps(run.id)
        chosen, validation = result_step(self.store, run.id, self.control.restore_step, workspace, self.plan)
        readings = self.store.readings_by_step(run.id).get(chosen.idx, [])
        train = [r for r in readings if r.split == "train"]
        validation = validation or [r for r in readings if r.split == "validation"]
        if self.plan.spec.validation and not validation:
            validation = grade(workspace, chosen.checkpoint, self.plan.spec.validation, self.plan.context)
        test = grade(workspace, chosen.checkpoint, self.plan.spec.test, self.plan.context)
        self.store.record_final(run.id, chosen.idx, [*train, *validation, *test])
        final = final_summary(self.plan, chosen, train, validation, test, history.stop_reason)
        if self._canaries:
            final["cheating_rate"] = max(s.logs.get("cheating_rate") or 0.0 for s in steps)
            final["canaries"] = len(self._canaries)
        met = final["met"]
        branch = f"codefit/{run.id}"
        export_branch(
            workspace,
            chosen.checkpoint,
            Path(run.repo),
            run.base_commit,
            branch,
            [c.path for c in self._canaries],
        )
        save_bundle(workspace, self.store.root / "runs" / f"{run.id}.bundle")
        status = RunStatus.MET if met else RunStatus.NOT_MET
        self.store.update_run(run.id, status=status, chosen_step=chosen.idx, final=final, branch=branch)
        history.status, history.branch, history.final = status, branch, final
        self.callbacks.on_run_end({**final, "run_id": run.id, "status": status.value, "branch": branch})
        workspace.remove()
        run_dir = Path(run.workspace).parent
        if run_dir.name == run.id:  # it held the workspace, the task and the feedback files: all recorded
            shutil.rmtree(run_dir, ignore_errors=True)
        return history

    # helpers

    def _plant_canaries(self, tree: Path) -> None:
        settings = self.plan.canaries
        if settings is not None:
            self._canaries = plant(tree, settings.tests, settings.count, settings.seed)

    def _heldout(self) -> dict[str, str]:
        if self._heldout_texts is None:
            self._heldout_texts = heldout_texts([*self.plan.spec.validation, *self.plan.spec.test])
        return self._heldout_texts

    def _read(self, sensors: Sequence[Any], workspace: Workspace, treeish: str) -> list[Reading]:
        """Readings of what `treeish` holds, exported alone: what is measured is what is committed."""
        return read_committed(workspace, treeish, sensors, self.plan.context)

    def _train_readings(self, run_id: str, step: int) -> list[Reading]:
        return [r for r in self.store.readings_by_step(run_id).get(step, []) if r.split == "train"]


def _undoes(verdicts: Sequence[tuple[Alert, Policy]]) -> bool:
    """Whether an alert's policy undoes the step (rolls it back, or stops the run)."""
    return any(policy in (Policy.ROLLBACK, Policy.STOP) for _, policy in verdicts)


def _usage_total(
    steps: Sequence[StepRecord], result: StepResult, readings: Sequence[Reading]
) -> tuple[float, int, float]:
    """(the run's cost so far, its tokens, the part of the cost its sensors spent, e.g. a judge)."""
    sensors = float(steps[-1].logs.get("sensor_cost_usd_total") or 0.0) if steps else 0.0
    sensors += sum(float(r.metrics.get("cost_usd") or 0.0) for r in readings)
    cost = sum(s.cost_usd for s in steps) + result.usage.cost_usd + sensors
    tokens = sum(s.input_tokens + s.output_tokens for s in steps)
    return cost, tokens + result.usage.input_tokens + result.usage.output_tokens, sensors
