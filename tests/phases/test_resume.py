"""`codefit fit --resume` of a phased run: it continues at the phase and plan item where it stopped,
the phases and sub-runs it finished kept as they were, the sub-run in flight resumed (not restarted)."""

from collections.abc import Mapping
from typing import Any

import pytest
from typer.testing import CliRunner

from codefit.api import Codebase
from codefit.cli import app
from codefit.errors import Interrupted
from codefit.harness.callbacks import Callback
from codefit.phases.records import PhaseStatus, stored_phases
from codefit.store import RunStatus, Store
from codefit.workspace.git import git
from tests.conftest import MakeRepo
from tests.phases.items_repo import FILES


class CtrlC(Callback):
    """Ctrl-C as the `nth` sub-run (counted from 1) is about to take its first step."""

    def __init__(self, nth: int) -> None:
        self.nth, self.begun = nth, 0

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self.begun += 1

    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        if self.begun == self.nth:
            raise KeyboardInterrupt


def test_a_phased_run_resumes_at_the_plan_item_where_it_stopped(make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    store = Store.for_repo(repo)
    with pytest.raises(Interrupted) as stopped:
        Codebase(repo).fit(callbacks=[CtrlC(3)])  # the plan's run, item 1's, then item 2's: stop there
    (phased,) = [r for r in store.runs() if r.optimizer == "phases"]
    assert stopped.value.hint.endswith(f"continue with: codefit fit --resume {phased.id}")
    assert stopped.value.hint.startswith(f"phase 2 of 2 (generate) of run {phased.id} stopped")
    plan, generate = stored_phases(store, phased.id)
    assert plan.status is PhaseStatus.MET and generate.status is PhaseStatus.RUNNING
    assert [s.status for s in generate.sub_runs] == ["met", "running"]
    in_flight = generate.sub_runs[1].run
    runs_before = {r.id for r in store.runs()}

    # Resumed through the sub-run in flight: the CLI resumes the phased run it belongs to.
    result = CliRunner().invoke(app, ["fit", str(repo), "--resume", in_flight])
    assert result.exit_code == 0, result.output
    assert f"sub-run of phased run {phased.id}: resuming the phased run" in result.output
    assert store.run(phased.id).status == RunStatus.MET
    assert {r.id for r in store.runs()} == runs_before  # nothing started again
    plan_after, generate_after = stored_phases(store, phased.id)
    assert plan_after.sub_runs == plan.sub_runs
    assert [s.run for s in generate_after.sub_runs] == [generate.sub_runs[0].run, in_flight]
    assert [s.status for s in generate_after.sub_runs] == ["met", "met"]
    assert [s.idx for s in store.steps(in_flight)] == [0, 1]
    tree = git(repo, "ls-tree", "--name-only", store.run(phased.id).branch or "")
    assert {"PLAN.md", "item1.txt", "item2.txt"} <= set(tree.split())


def test_a_finished_phased_run_is_not_resumed(make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    history = Codebase(repo).fit()
    assert history.met
    from codefit.errors import StoreError

    with pytest.raises(StoreError, match="already finished"):
        Codebase(repo).fit(resume=history.run_id)


def test_ctrl_c_prints_the_phased_run_to_resume(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from codefit.phases.runner import PhasedRun

    def interrupted(self: PhasedRun, *, dirty: bool = False) -> None:
        raise Interrupted("phase 2 of 2 (generate) of run P1 stopped; continue with: codefit fit --resume P1")

    monkeypatch.setattr(PhasedRun, "start", interrupted)
    result = CliRunner().invoke(app, ["fit", str(make_repo(FILES))])
    assert result.exit_code != 0
    assert "continue with: codefit fit --resume P1" in result.output
    assert result.output.count("--resume") == 1  # not the inner run's hint besides it
