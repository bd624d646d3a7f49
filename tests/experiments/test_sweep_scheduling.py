"""How the sweep's driver feeds its executor, and what it records of a trial's cost."""

from __future__ import annotations

import json
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
        self.submitted: list[str] = []
        self._next = 0

    def submit(self, trial: Trial, files: bytes, attempt: int) -> Any:
        self.submitted.append(trial.task.name)
        self._next += 1
        return self._next

    def next_done(self, pending: dict[Any, Trial]) -> tuple[Any, TrialOutcome]:
        self.queued_when_one_finished.append(len(pending))
        handle = min(pending)
        outcome = TrialOutcome(pending[handle].key, TrialStatus.MET, metrics={"met": True}, cpu_seconds=1.5)
        return handle, outcome

    def shutdown(self) -> None:
        pass


TASKS = ["wrong_variable", "off_by_one_sum", "middle_item"]


def three_task_sweep(folder: Path) -> SweepSpec:
    lines = ['name = "three"']
    for task in TASKS:
        lines += ["[[tasks]]", f'name = "{task}"', f'repo = "{EXAMPLES / task / "repo"}"']
    (folder / "suite.toml").write_text("\n".join(lines) + "\n")
    return SweepSpec(suite=folder / "suite.toml", settings=expand({"max_steps": [1, 2]}))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_trial_is_queued_beyond_the_busy_workers(
    workers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A finished run is imported into the driver's store before the loop submits again; with only
    # as many trials out as workers, the freed worker sat idle through that import.
    executor = RecordingExecutor()
    monkeypatch.setattr(sweep_module, "make_executor", lambda *args: executor)
    store = Store(tmp_path / ".codefit")
    sweep_id = run_sweep(three_task_sweep(tmp_path), store, executor="local", workers=workers)
    trials = read_state(store, sweep_id).trials
    assert len(trials) == 6 and {t["cpu_seconds"] for t in trials} == {1.5}
    assert executor.queued_when_one_finished[0] == workers + 1


def test_the_trials_that_took_longest_before_are_handed_out_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Handed out last, a long trial keeps one worker busy while the others idle at the sweep's end.
    store = Store(tmp_path / ".codefit")
    first = RecordingExecutor()
    monkeypatch.setattr(sweep_module, "make_executor", lambda *args: first)
    before = run_sweep(three_task_sweep(tmp_path), store, executor="local", workers=2)
    assert first.submitted[:3] == TASKS  # nothing recorded yet: the order given
    trials = (sweep_module.sweep_dir(store, before) / "trials.jsonl").read_text().splitlines()
    timed = [json.loads(line) for line in trials]
    for trial in timed:
        trial["seconds"] = 90.0 if trial["task"] == "middle_item" else 5.0
    (sweep_module.sweep_dir(store, before) / "trials.jsonl").write_text(
        "".join(json.dumps(t) + "\n" for t in timed)
    )
    again = RecordingExecutor()
    monkeypatch.setattr(sweep_module, "make_executor", lambda *args: again)
    run_sweep(three_task_sweep(tmp_path), store, executor="local", workers=2)
    assert again.submitted[:2] == ["middle_item", "middle_item"]
    assert again.submitted[2:] == ["wrong_variable", "off_by_one_sum"] * 2  # equals keep their order


def test_a_trial_s_cpu_time_counts_the_processes_it_ran() -> None:
    # A run's CPU is mostly its children's (pytest, the search's fork servers), not the worker's own.
    before = cpu_seconds()
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(10_000_000))"], check=True)
    assert cpu_seconds() - before >= 0.1
