"""End to end through the real CLI: real git repositories, real pytest runs, real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .project import HARDCODE, HONEST_FIX, KEEP_BLOCKS, codefit, make_project

pytestmark = pytest.mark.slow


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "workdir"
    monkeypatch.setenv("CODEFIT_WORKDIR", str(path))
    return path


def show(repo: Path, run: str = "latest") -> dict:  # type: ignore[type-arg]
    done = codefit("show", run, "--json", cwd=repo)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_honest_fix_converges_with_zero_gap(tmp_path: Path, workdir: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    done = codefit("fit", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "spec met" in done.stdout
    data = show(repo)
    assert data["run"]["status"] == "met"
    assert [s["index"] for s in data["steps"]] == [0, 1]
    assert data["steps"][0]["train"]["score"] == 0.0 and data["steps"][0]["validation"] is None
    assert data["steps"][1]["train"]["score"] == 1.0
    assert data["steps"][1]["validation"] == {"score": 1.0, "passed": True}
    assert data["final"]["train"]["score"] == 1.0
    assert data["final"]["validation"]["score"] == 1.0
    assert data["final"]["test"]["score"] == 1.0
    assert data["final"]["generalization_gap"] == 0.0
    branch = data["run"]["branch"]
    assert branch == f"codefit/{data['run']['id']}"
    fixed = codefit_git(repo, "show", f"{branch}:calc.py")
    assert "a + b" in fixed
    assert "a - b" in (repo / "calc.py").read_text(), "the user's working tree is untouched"
    assert len(data["queries"]) == 1 and data["queries"][0]["passed"] is True
    assert list(workdir.iterdir()) == [], "the run's workspace, task and feedback files are gone"


def test_hardcoding_passes_train_fails_validation_with_positive_gap(tmp_path: Path, workdir: Path) -> None:
    repo = make_project(tmp_path, HARDCODE, max_steps=2, extra=KEEP_BLOCKS)
    done = codefit("fit", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    data = show(repo)
    assert data["run"]["status"] == "not_met"
    hack = data["steps"][1]
    assert hack["train"]["score"] == 1.0 and hack["logs"]["gap"] == 1.0
    # It ties the base tree held-out and carries alerts: the base tree stays the run's result.
    assert data["final"]["step"] == 0
    assert data["final"]["validation"]["score"] == 0.0
    assert data["final"]["test"]["score"] == 0.0
    # Step 2 left the tree as it was: the blind answer stands and no budget is spent on it again.
    assert [q["passed"] for q in data["queries"]] == [False]
    assert [q["budget_left"] for q in data["queries"]] == [2]
    assert [s["validation"] for s in data["steps"]][1:] == [{"score": 0.0, "passed": False}] * 2
    assert data["final"]["stop_reason"] == "reached max_steps (2)"


def test_validation_feedback_respects_its_level(tmp_path: Path, workdir: Path) -> None:
    repo = make_project(tmp_path, HARDCODE, max_steps=2, extra=KEEP_BLOCKS)
    codefit("fit", cwd=repo)
    data = show(repo)
    from codefit.store import Store

    store = Store.for_repo(repo)
    step1 = store.steps(data["run"]["id"])[1]
    feedback = store.blobs.text(step1.next_feedback_blob)
    assert "Hidden check holdout (queries left: 2)" in feedback
    assert "Score: 0.00" in feedback
    assert "test_hidden_marker" not in feedback, "score level never names held-out tests"


def test_optimizer_cannot_find_heldout_tests_in_or_under_its_workspace(tmp_path: Path, workdir: Path) -> None:
    probe = (
        "{ grep -rl hidden_mark[e]r . ; find . .. -name 'test_hidden*' ; "
        "git log --all --format=%H | wc -l ; } > probe.txt 2>&1; true"
    )
    repo = make_project(tmp_path, probe, max_steps=1, extra=KEEP_BLOCKS)  # `..` is a block: keep the step
    codefit("fit", cwd=repo)
    data = show(repo)
    # The probe ties the base tree held-out and carries alerts, so the result branch is the base
    # tree: the probe's output is read from the step's checkpoint, in the run's bundle.
    assert codefit_git(repo, "diff", "--name-only", "main", data["run"]["branch"]) == ""
    bundle = next((repo / ".codefit" / "runs").glob("*.bundle"))
    codefit_git(repo, "fetch", "-q", str(bundle), "refs/heads/main")
    probe_out = codefit_git(repo, "show", "FETCH_HEAD:probe.txt")
    assert "hidden" not in probe_out
    assert "not a git repository" in probe_out, "the workspace's git directory is out of its sight"
    assert probe_out.split()[-1] == "0", "no history at all, nothing found"


def _fit_killed_in_step2(repo: Path, tmp_path: Path) -> str:
    """Start `fit` with HANG=1 (the command hangs in step 2), `kill -9` it there; the run's id."""
    err = tmp_path / "fit.err"
    with err.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "codefit.cli", "fit"],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            env={**os.environ, "HANG": "1"},
        )
    deadline = time.monotonic() + 120
    while not _step2_started(repo):
        assert proc.poll() is None, "fit ended before step 2: " + err.read_text()
        assert time.monotonic() < deadline, "step 2 never started"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return str(show(repo)["run"]["id"])


HANG_IN_STEP_2 = 'if [ "$CODEFIT_STEP" = 2 ] && [ "$HANG" = 1 ]; then touch step2.started; sleep 120; fi; '


def test_kill_9_loses_at_most_the_step_in_flight_and_resume_continues(tmp_path: Path, workdir: Path) -> None:
    command = HANG_IN_STEP_2 + 'echo "# step $CODEFIT_STEP" >> calc.py'
    repo = make_project(tmp_path, command, max_steps=3, budget=0)
    run_id = _fit_killed_in_step2(repo, tmp_path)
    data = show(repo)
    assert data["run"]["status"] == "running" and data["run"]["live"] is False
    assert [s["index"] for s in data["steps"]] == [0, 1], "step 1 was recorded before the kill"
    assert "interrupted after 1 of 3 steps" in codefit("show", cwd=repo).stdout
    # The config changes meanwhile (another optimizer, more steps); the resumed run keeps its own.
    config = repo / "codefit.toml"
    changed = config.read_text().replace("max_steps = 3", "max_steps = 5")
    config.write_text(changed.replace('kind = "command"', 'kind = "search"'))
    done = codefit("fit", "--resume", run_id, cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "step 3/3" in done.stdout
    data = show(repo, run_id)
    assert [s["index"] for s in data["steps"]] == [0, 1, 2, 3]
    assert data["run"]["status"] == "not_met" and data["run"]["optimizer"] == "command"
    result = codefit_git(repo, "show", f"{data['run']['branch']}:calc.py")
    assert result.count("# step 2") == 1, "the killed step's partial work was discarded"
    assert result.count("# step 3") == 1, "the recorded command optimizer made step 3, not search"
    assert "step2.started" not in codefit_git(repo, "ls-tree", "-r", "--name-only", data["run"]["branch"])


def test_a_resumed_step_that_changes_nothing_spends_no_validation_query(
    tmp_path: Path, workdir: Path
) -> None:
    # Step 1 special-cases the visible tests (train passes, validation is queried and fails);
    # step 2 hangs and is killed; resumed, steps 2 and 3 change nothing: the tree graded at step 1.
    command = f'if [ "$CODEFIT_STEP" = 1 ]; then {HARDCODE}; fi; {HANG_IN_STEP_2}true'
    repo = make_project(tmp_path, command, max_steps=3, budget=3, extra=KEEP_BLOCKS)
    run_id = _fit_killed_in_step2(repo, tmp_path)
    assert len(show(repo, run_id)["queries"]) == 1
    done = codefit("fit", "--resume", run_id, cwd=repo)
    data = show(repo, run_id)
    assert [s["status"] for s in data["steps"][2:]] == ["no_change", "no_change"], done.stdout + done.stderr
    assert len(data["queries"]) == 1, "the resumed no_change steps re-used step 1's answer"
    assert data["steps"][-1]["logs"]["val_budget_left"] == 2


def _step2_started(repo: Path) -> bool:
    from codefit.store import Store

    if not (repo / ".codefit" / "codefit.db").exists():
        return False
    runs = Store.for_repo(repo).runs()
    return bool(runs) and (Path(runs[0].workspace) / "step2.started").exists()


def test_resume_of_a_finished_run_is_refused(tmp_path: Path, workdir: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    codefit("fit", cwd=repo)
    run_id = show(repo)["run"]["id"]
    done = codefit("fit", "--resume", run_id, cwd=repo)
    assert done.returncode == 2
    assert "already finished" in done.stderr


def codefit_git(repo: Path, *args: str) -> str:
    from ..conftest import run_git

    return run_git(repo, *args)
