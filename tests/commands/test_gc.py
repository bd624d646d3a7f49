"""`codefit gc`: a dry run by default; prunes ended runs' workspaces and branches, never a live run's."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from typer.testing import CliRunner

from codefit.cli import app
from codefit.store import RunRecord, RunStatus, Store
from codefit.workspace import lifetime

from ..conftest import MakeRepo, run_git

HOUR = 3600.0


def _run(store: Store, repo: Path, work: Path, run_id: str, status: RunStatus, age: float) -> Path:
    """A recorded run with its workspace directory and its `codefit/ID` branch."""
    run_dir = work / run_id
    (run_dir / "ws").mkdir(parents=True)
    (run_dir / "ws" / "calc.py").write_text("x = 1\n")
    now = time.time() - age
    store.create_run(
        RunRecord(
            id=run_id,
            created=now,
            updated=now,
            status=status,
            repo=str(repo),
            workspace=str(run_dir / "ws"),
            base_commit=run_git(repo, "rev-parse", "HEAD").strip(),
            fingerprint="f",
            config={},
            optimizer="command",
            max_steps=1,
        )
    )
    run_git(repo, "branch", f"codefit/{run_id}")
    return run_dir


def _branches(repo: Path) -> set[str]:
    return set(run_git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/codefit/").split())


def _gc(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["gc", str(repo), *args])
    return result.exit_code, result.output


def test_dry_run_then_yes_prunes_ended_and_interrupted_runs_but_never_a_live_one(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"calc.py": "x = 1\n"})
    store, work = Store.for_repo(repo), tmp_path / "work"
    met = _run(store, repo, work, "20260101-000001-aaaa", RunStatus.MET, 3 * HOUR)
    interrupted = _run(store, repo, work, "20260101-000002-bbbb", RunStatus.RUNNING, 2 * HOUR)
    live = _run(store, repo, work, "20260101-000003-cccc", RunStatus.RUNNING, 1 * HOUR)
    with store.stepping("20260101-000003-cccc"):
        code, out = _gc(repo)
        assert code == 0
        assert f"would remove workspace {interrupted}" in out and "fit --resume" in out
        assert "would remove branch codefit/20260101-000001-aaaa" in out
        assert "cccc" not in out
        assert met.exists() and interrupted.exists() and len(_branches(repo)) == 3, (
            "a dry run removes nothing"
        )

        code, out = _gc(repo, "--yes")
        assert code == 0 and "removed workspace" in out
        assert not met.exists() and not interrupted.exists()
        assert live.exists() and _branches(repo) == {"codefit/20260101-000003-cccc"}
    assert (repo / "calc.py").read_text() == "x = 1\n"
    assert [r.id for r in store.runs()][-1] == "20260101-000001-aaaa", "the records stay"


def test_keep_and_older_than_spare_the_newest_runs_and_the_current_branch(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"calc.py": "x = 1\n"})
    store, work = Store.for_repo(repo), tmp_path / "work"
    old = _run(store, repo, work, "20260101-000001-aaaa", RunStatus.NOT_MET, 48 * HOUR)
    older = _run(store, repo, work, "20260101-000000-dddd", RunStatus.MET, 72 * HOUR)
    recent = _run(store, repo, work, "20260101-000002-bbbb", RunStatus.MET, 0.1 * HOUR)
    newest = _run(store, repo, work, "20260101-000003-cccc", RunStatus.MET, 0.0)
    run_git(repo, "checkout", "-q", "codefit/20260101-000000-dddd")

    code, _ = _gc(repo, "--yes", "--keep", "1", "--older-than", "1d")
    assert code == 0
    assert newest.exists() and recent.exists(), "kept: the newest, and one younger than a day"
    assert not old.exists() and not older.exists()
    assert _branches(repo) == {
        "codefit/20260101-000000-dddd",  # checked out now
        "codefit/20260101-000002-bbbb",
        "codefit/20260101-000003-cccc",
    }
    assert _gc(repo, "--keep", "1", "--older-than", "1d") == (0, "nothing to prune\n")


def test_a_bad_duration_is_one_clear_error(make_repo: MakeRepo) -> None:
    repo = make_repo({"calc.py": "x = 1\n"})
    Store.for_repo(repo)
    code, out = _gc(repo, "--older-than", "soon")
    assert code == 2 and "--older-than" in out and "'soon' is not a duration" in out


def test_a_workspace_whose_run_left_processes_running_is_kept(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"calc.py": "x = 1\n"})
    store, work = Store.for_repo(repo), tmp_path / "work"
    run_dir = _run(store, repo, work, "20260101-000001-aaaa", RunStatus.RUNNING, HOUR)
    token = "cd" * 16
    stray = subprocess.Popen(["sleep", "307"], env={**os.environ, lifetime.MARK_ENV: f"{token}:1"})
    try:
        owner = {"owner": 1, "start": 0, "boot": lifetime.boot_id(), "token": token}
        (run_dir / lifetime.LEDGER_NAME).write_text(json.dumps(owner) + "\n")
        code, out = _gc(repo, "--yes")
        assert code == 0 and run_dir.exists() and "workspace" not in out
        assert _branches(repo) == set(), "the branch goes all the same"
    finally:
        stray.kill()
        stray.wait()
    assert _gc(repo, "--yes")[1].startswith(f"removed workspace {run_dir}")
