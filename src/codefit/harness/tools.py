"""What an agent may ask of the harness in the middle of a step (through the bridge and MCP).

`submit` is the agent saying "ready": it grades the current tree on the blind split, spends
budget, records the query, and answers at the split's feedback level only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefit.harness import blind
from codefit.harness.bridge import Handler
from codefit.harness.feedback import FeedbackInput, feedback_settings, render_feedback
from codefit.harness.guides import GuideInput, check_commands, render_guide
from codefit.harness.plan import RunPlan
from codefit.sensors.base import Reading
from codefit.spec import mean_score
from codefit.store import Store
from codefit.workspace.measure import read_committed
from codefit.workspace.workspace import Workspace


def guide_for(plan: RunPlan, *, mcp: bool = False) -> GuideInput:
    return GuideInput(
        task=plan.task,
        writable=plan.writable,
        protected=plan.protected,
        checks=tuple(check_commands(plan.spec.train)),
        mcp=mcp,
    )


@dataclass(frozen=True)
class HarnessTools:
    plan: RunPlan
    store_root: Path
    run_id: str
    workspace: Workspace
    step: int
    # Trees the blind split already graded this run (shared with the loop): one tree, one charge.
    graded: dict[str, list[Reading]] = field(default_factory=dict)

    def handlers(self) -> dict[str, Handler]:
        return {
            "spec": self.spec,
            "run_checks": self.run_checks,
            "submit": self.submit,
            "status": self.status,
        }

    def spec(self, args: Mapping[str, Any]) -> str:
        return render_guide(guide_for(self.plan, mcp=True))

    def run_checks(self, args: Mapping[str, Any]) -> str:
        tree = self.workspace.tree_now()  # what a snapshot would record: measured alone
        readings = read_committed(self.workspace, tree, self.plan.spec.train, self.plan.context)
        settings = feedback_settings(self.plan.feedback)
        return render_feedback(FeedbackInput(step=self.step, train=readings, settings=settings))

    def submit(self, args: Mapping[str, Any]) -> str:
        sensors = self.plan.spec.validation
        if not sensors:
            return "There are no hidden checks in this spec; the visible checks are the whole spec."
        store = Store(self.store_root)  # this runs on the bridge's thread: its own connection
        try:
            tree = self.workspace.tree_now()
            if tree in self.graded:
                return "The hidden checks already graded this exact tree; their answer stands."
            train = read_committed(self.workspace, tree, self.plan.spec.train, self.plan.context)
            train_score = mean_score(train, self.plan.spec.weights())
            queries = blind.query(
                store, self.run_id, self.step, self.workspace, tree, sensors, self.plan.context, train_score
            )
            store.record_queries([q.record for q in queries])
            if queries:
                self.graded[tree] = [q.reading for q in queries]
            if not queries:
                return "The hidden checks' query budget is spent; no more answers this run."
            settings = feedback_settings(self.plan.feedback)
            text = render_feedback(
                FeedbackInput(step=self.step, train=[], blind=[q.verdict for q in queries], settings=settings)
            )
        finally:
            store.close()
        return text

    def status(self, args: Mapping[str, Any]) -> str:
        store = Store(self.store_root)
        try:
            left = blind.budget_left(store, self.run_id, self.plan.spec.validation)
        finally:
            store.close()
        budget = "no hidden checks" if left is None else f"{left} hidden-check queries left"
        return f"step {self.step} of {self.plan.max_steps}; {budget}"
