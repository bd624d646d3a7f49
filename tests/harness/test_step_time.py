"""A step's recorded time covers the optimizer's work, not only the measuring after it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import codefit
from codefit.optimizers.base import StepResult, StepState, StepStatus

from ..e2e.project import HONEST_FIX, make_project


class ClockedOptimizer:
    """Changes nothing; notes when each of its steps began."""

    def __init__(self) -> None:
        self.began: list[float] = []

    def step(self, state: StepState) -> StepResult:
        self.began.append(time.time())
        return StepResult(status=StepStatus.NO_CHANGE, summary="nothing to do")


def test_a_step_starts_before_its_optimizer_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    repo = make_project(tmp_path, HONEST_FIX, max_steps=1, budget=0)
    optimizer = ClockedOptimizer()
    codebase = codefit.Codebase(repo).compile(optimizer=optimizer)
    history = codebase.fit()
    step = next(s for s in codebase.store.steps(history.run_id) if s.idx == 1)
    assert step.started <= optimizer.began[0] <= step.ended
