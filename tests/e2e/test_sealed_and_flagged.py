"""Sealed held-out tests through a whole run, and an optimizer that flags a contradiction."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codefit.store import Store

from ..conftest import run_git
from .project import HONEST_FIX, codefit, make_project

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))


def test_sealed_validation_split_grades_blind_and_never_enters_the_workspace(tmp_path: Path) -> None:
    probe = "ls -a > listing.txt; " + HONEST_FIX
    repo = make_project(tmp_path, probe)
    done = codefit("seal", str(tmp_path / "hidden" / "validation"), "--split", "validation", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    sealed = next((repo / ".codefit-sealed").glob("*.sealed"))
    shutil.rmtree(tmp_path / "hidden" / "validation")  # only the sealed copy is left
    config = repo / "codefit.toml"
    rel = sealed.relative_to(repo)
    config.write_text(config.read_text().replace('path = "../hidden/validation"', f'sealed = "{rel}"'))
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "seal the validation tests")
    done = codefit("fit", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(codefit("show", "--json", cwd=repo).stdout)
    assert data["final"]["validation"] == {"score": 1.0, "passed": True}
    branch = data["run"]["branch"]
    listing = run_git(repo, "show", f"{branch}:listing.txt").split()
    assert ".codefit-sealed" not in listing and "codefit.toml" not in listing
    assert run_git(repo, "show", f"{branch}:{rel}").encode() != b"", "the user's branch keeps the sealed file"


def test_missing_seal_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    codefit("seal", str(tmp_path / "hidden" / "validation"), "--split", "validation", cwd=repo)
    sealed = next((repo / ".codefit-sealed").glob("*.sealed")).relative_to(repo)
    config = repo / "codefit.toml"
    config.write_text(config.read_text().replace('path = "../hidden/validation"', f'sealed = "{sealed}"'))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))  # the key is not there
    done = codefit("evaluate", "--split", "validation", cwd=repo)
    assert done.returncode == 2
    assert "key" in done.stderr and "Traceback" not in done.stderr


def test_a_flagged_contradiction_stops_the_run_and_is_shown(tmp_path: Path) -> None:
    command = "echo 'test_add_again contradicts the task' > CODEFIT_FLAG.md"
    repo = make_project(tmp_path, command)
    done = codefit("fit", cwd=repo)
    assert done.returncode == 1
    assert "flagged a contradiction in the spec: test_add_again contradicts the task" in done.stdout
    store = Store.for_repo(repo)
    run = store.run("latest")
    step = store.steps(run.id)[1]
    assert (step.status, step.summary) == ("flagged", "test_add_again contradicts the task")
    shown = codefit("show", cwd=repo).stdout
    assert "flagged" in shown
    assert "CODEFIT_FLAG.md" not in run_git(repo, "ls-tree", "-r", "--name-only", str(run.branch))
