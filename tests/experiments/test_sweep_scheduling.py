"""How the sweep's driver feeds its executor, and what it records of a trial's cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codefit.experiments import sweep as sweep_module
from codefit.experiments.settings import expand
from codefit.experiments.sweep import SweepSpec, read_state, run_sweep
from codefit.experiments.trial import Trial, TrialOutcome, TrialStatus, cpu_seconds
from codefit.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class RecordingExecutor:
    """Finishes trials in the order they were submitted, noting how many were queued at each step."""

    def __init__(self) -> None:
        self.queued_when_one_finished: list[int] = []
        self._next = 0

    def submit(self, trial: Trial, files: bytes, attempt: int) -> Any:
        self._next += 1
        return self._next

    def next_done(self, pending: dict[Any, Trial]) -> tuple[Any, TrialOutcome]:
        self.queued_when_one_finished.append(len(pending))
        handle = min(pending)
        outcome = TrialOutcome(pending[handle].key, TrialStatus.MET, metrics={"met": True}, cpu_seconds=1.5)
        return handle, outcome

    def shutdown(self) -> None:
        pass


@pytest.mark.parametrize("workers", [1, 2])
def test_a_trial_is_queued_beyond_the_busy_workers(
    workers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A finished run is imported into the driver's store before the loop submits again; with only
    # as many trials out as workers, the freed worker sat idle through that import.
    executor = RecordingExecutor()
    monkeypatch.setattr(sweep_module, "make_executor", lambda *args: executor)
    tasks = ["wrong_variable", "off_by_one_sum", "middle_item"]
    lines = ['name = "three"']
    for task in tasks:
        lines += ["[[tasks]]", f'name = "{task}"', f'repo = "{EXAMPLES / task / "repo"}"']
    (tmp_path / "suite.toml").write_text("\n".join(lines) + "\n")
    spec = SweepSpec(suite=tmp_path / "suite.toml", settings=expand({"max_steps": [1, 2]}))
    store = Store(tmp_path / ".codefit")
    sweep_id = run_sweep(spec, store, executor="local", workers=workers)
    trials = read_state(store, sweep_id).trials
    assert len(trials) == 6 and {t["cpu_seconds"] for t in trials} == {1.5}
    assert executor.queued_when_one_finished[0] == workers + 1


def test_a_trial_s_cpu_time_counts_the_processes_it_ran() -> None:
    # A run's CPU is mostly its children's (pytest, the search's fork servers), not the worker's own.
    before = cpu_seconds()
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(10_000_000))"], check=True)
    assert cpu_seconds() - before >= 0.1
