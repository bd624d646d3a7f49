"""Shared fixtures: real git repositories in tmp paths, and a home directory that is not the user's."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codefit.optimizers.base import StepState
from codefit.sensors.base import SensorContext
from codefit.workspace.sandbox import sandbox_available

# Fixture trees (a SlopCodeBench problem, agent transcripts) carry test files of their own,
# which only make sense run by the tests that use them.
collect_ignore = ["fixtures"]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@localhost",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@localhost",
}


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never touch the user's home directory or config."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return home


def run_git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Create a committed git repository from a {relative path: text} mapping."""

    def make(files: dict[str, str], name: str = "repo", commit: bool = True) -> Path:
        repo = tmp_path / name
        repo.mkdir(parents=True)
        for rel, text in files.items():
            path = repo / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        run_git(repo, "init", "-q", "-b", "main")
        if commit:
            run_git(repo, "add", "-A")
            run_git(repo, "commit", "-q", "-m", "initial")
        return repo

    return make


@pytest.fixture
def python() -> str:
    return sys.executable


needs_bwrap = pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not available here")


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A directory outside /tmp, so that what hides it is the sandbox's spec, not its empty /tmp."""
    path = Path(tempfile.mkdtemp(prefix="codefit-test-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def bare_step_state(workspace: Path, run_dir: Path, **overrides: Any) -> StepState:
    """Step 1 of a run with no train sensors: what an optimizer tried alone in a test needs."""
    fields: dict[str, Any] = {
        "workspace": workspace,
        "step": 1,
        "task": "t",
        "feedback": "",
        "task_file": run_dir / "task.md",
        "feedback_file": run_dir / "feedback-1.md",
        "train_sensors": [],
        "sensor_context": SensorContext(python=sys.executable),
        "run_checks": list,
        **overrides,
    }
    return StepState(**fields)
