"""The interpreter of the code under test, found in the project's own `.venv`, symlinked or not, or in
the active virtual environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codefit.config import load_config
from codefit.errors import ConfigError
from codefit.harness.plan import plan_from_config, preflight, resolve_python

from ..conftest import MakeRepo

CONFIG = (
    'task = "t"\n[[sensors]]\nname = "unit"\nkind = "pytest"\n'
    '[optimizer]\nkind = "command"\ncommand = "true"\n'
)


def test_a_symlinked_venv_is_named_by_its_target_and_its_pytest_is_found(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": CONFIG})
    target = Path(sys.prefix).resolve()  # this test run's own environment: it has pytest
    (repo / ".venv").symlink_to(target, target_is_directory=True)
    assert resolve_python(repo, None) == str(target / "bin" / "python")
    plan = plan_from_config(load_config(repo))
    preflight(plan)  # confined as the sensors run: the link inside the hidden repository is not seen


def test_a_venv_inside_the_repository_is_used_as_it_is(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": CONFIG, ".venv/bin/python": ""})
    assert resolve_python(repo, None) == str(repo.resolve() / ".venv" / "bin" / "python")


def test_the_active_virtual_environment_comes_after_the_repositorys_own(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = tmp_path / "project-env"
    (active / "bin").mkdir(parents=True)
    (active / "bin" / "python").write_text("")
    monkeypatch.setenv("VIRTUAL_ENV", str(active))
    repo = make_repo({"codefit.toml": CONFIG})
    assert resolve_python(repo, None) == str(active / "bin" / "python")
    assert resolve_python(repo, "python3") == "python3"  # the config's word wins
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").write_text("")
    assert resolve_python(repo, None) == str(repo.resolve() / ".venv" / "bin" / "python")
    (repo / ".venv" / "bin" / "python").unlink()
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "gone"))
    assert resolve_python(repo, None) == sys.executable


def _env_whose_pytest_needs(tmp_path: Path, repo: Path | None) -> Path:
    """An environment whose `pytest` imports a package installed editable from `repo` (pluggy's own
    checkout: pytest needs pluggy); with `repo` None, an environment without pytest."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = next(env.glob("lib/python*/site-packages"))
    if repo is not None:
        (site / "pytest.py").write_text("import projectdep\n")
        (site / "projectdep.pth").write_text(str(repo / "src") + "\n")
    return env


def test_pytest_needing_the_project_itself_passes_the_preflight(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"codefit.toml": CONFIG, "src/projectdep.py": ""})
    (repo / ".venv").symlink_to(_env_whose_pytest_needs(tmp_path, repo.resolve()), target_is_directory=True)
    preflight(plan_from_config(load_config(repo)))  # the sensors show the tree where the install points


def test_an_environment_without_pytest_fails_the_preflight_and_says_why(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"codefit.toml": CONFIG})
    (repo / ".venv").symlink_to(_env_whose_pytest_needs(tmp_path, None), target_is_directory=True)
    with pytest.raises(ConfigError, match="No module named 'pytest'"):
        preflight(plan_from_config(load_config(repo)))
