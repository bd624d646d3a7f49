"""Bad input: one clear error naming what and where, exit status 2, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codefit import api
from codefit.errors import CodefitError
from codefit.harness.plan import RunPlan, preflight

from .project import HONEST_FIX, codefit, make_project


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))


def assert_clear_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got: {done.stderr!r}"
    assert lines[0].startswith("codefit: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in done.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert_clear_error(
        codefit("fit", cwd=tmp_path / "plain"), "not a git repository", str(tmp_path / "plain")
    )


def test_no_config(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    (repo / "codefit.toml").unlink()
    assert_clear_error(codefit("fit", cwd=repo), "no codefit.toml", "codefit init")


def test_typo_in_a_key(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    config = repo / "codefit.toml"
    config.write_text(config.read_text().replace("budget =", "budgte ="))
    assert_clear_error(codefit("fit", cwd=repo), "codefit.toml", "sensors[1].budgte", "unknown key")


def test_missing_heldout_path(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    (tmp_path / "hidden" / "test" / "test_hidden_test.py").unlink()
    (tmp_path / "hidden" / "test").rmdir()
    assert_clear_error(codefit("fit", cwd=repo), "sensors[2].path", "../hidden/test", "does not exist")


def test_optimizer_command_that_does_not_exist(tmp_path: Path) -> None:
    repo = make_project(tmp_path, "no-such-agent-cli --fix")
    assert_clear_error(codefit("fit", cwd=repo), "optimizer.command", "'no-such-agent-cli' not found")


def test_pytest_missing_in_target_environment(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    config = repo / "codefit.toml"
    config.write_text(f'python = "{venv / "bin" / "python"}"\n' + config.read_text())
    assert_clear_error(codefit("fit", cwd=repo), "pytest is not importable", "install pytest there")


def test_unknown_run(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    assert_clear_error(codefit("show", "nope", cwd=repo), "no codefit runs here yet")
    assert not (repo / ".codefit").exists(), "reading creates no store"
    from codefit.store import Store

    Store.for_repo(repo).close()
    assert_clear_error(codefit("show", "nope", cwd=repo), "no run 'nope'")


def test_errors_lose_no_recorded_data(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    assert codefit("fit", cwd=repo).returncode == 0
    config = repo / "codefit.toml"
    config.write_text(config.read_text() + "bogus = 1\n")
    assert_clear_error(codefit("fit", cwd=repo), "bogus")
    listing = codefit("runs", cwd=repo)
    assert listing.returncode == 0 and "met" in listing.stdout


def test_interpreter_that_does_not_exist(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    config = repo / "codefit.toml"
    config.write_text('python = "/nonexistent/bin/python"\n' + config.read_text())
    assert_clear_error(codefit("fit", cwd=repo), "codefit.toml", "key 'python'", "not found")
    assert_clear_error(codefit("evaluate", cwd=repo), "key 'python'", "not found")


def test_unknown_optimizer_on_the_command_line_names_the_option(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    done = codefit("fit", "--optimizer", "nope", cwd=repo)
    assert_clear_error(done, "--optimizer", "unknown optimizer kind")


@pytest.mark.parametrize("steps", ["0", "-1"])
def test_steps_below_one_are_a_usage_error(tmp_path: Path, steps: str) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    done = codefit("fit", "--steps", steps, cwd=repo)
    assert done.returncode == 2 and "--steps" in done.stderr
    assert not (repo / ".codefit").exists(), "no run may start"


def test_key_errors_in_pyproject_name_the_full_key(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    toml = (repo / "codefit.toml").read_text().replace("budget =", "budgte =")
    body = toml.replace("[[sensors]]", "[[tool.codefit.sensors]]")
    body = body.replace("[optimizer]", "[tool.codefit.optimizer]")
    (repo / "codefit.toml").unlink()
    (repo / "pyproject.toml").write_text("[tool.codefit]\n" + body)
    done = codefit("fit", cwd=repo)
    assert_clear_error(done, "pyproject.toml", "tool.codefit.sensors[1].budgte", "unknown key")


def test_thresholdout_that_would_name_held_out_tests_is_refused(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    config = repo / "codefit.toml"
    config.write_text(
        config.read_text().replace('feedback = "score"', 'feedback = "names"\nthresholdout = {}')
    )
    assert_clear_error(codefit("fit", cwd=repo), "sensors[1].thresholdout", "not 'names'")


def test_require_sandbox_refuses_without_bubblewrap(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    bin_dir = tmp_path / "bin"  # git and a shell, but no bwrap
    bin_dir.mkdir()
    for tool in ("git", "sh"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(bin_dir)}
    refused = codefit("fit", "--require-sandbox", cwd=repo, env=env)
    assert_clear_error(refused, "bubblewrap", "--require-sandbox refuses")
    assert not (repo / ".codefit").exists(), "no run may start"
    warned = codefit("fit", cwd=repo, env=env)
    assert "warning: bubblewrap (bwrap) is not available" in warned.stderr
    evaluated = codefit("evaluate", "--require-sandbox", cwd=repo, env=env)
    assert_clear_error(evaluated, "--require-sandbox refuses")
    assert codefit("fit", cwd=repo).returncode == 0  # a run to replay, made with the sandbox
    run_id = json.loads(codefit("show", "--json", cwd=repo).stdout)["run"]["id"]
    replayed = codefit("replay", run_id, "--from", "0", "--require-sandbox", cwd=repo, env=env)
    assert_clear_error(replayed, "--require-sandbox refuses")


def test_evaluate_checks_the_environment_only_when_a_reading_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    checks: list[RunPlan] = []

    def counted(plan: RunPlan) -> None:
        checks.append(plan)
        preflight(plan)

    monkeypatch.setattr(api, "preflight", counted)
    assert api.Codebase(repo).evaluate("train")[0].error is None
    assert checks == []  # a healthy evaluation launches the sensors' runs only
    venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    config = repo / "codefit.toml"
    config.write_text(f'python = "{venv / "bin" / "python"}"\n' + config.read_text())
    with pytest.raises(CodefitError, match=r"pytest is not (installed|importable)"):  # still named
        api.Codebase(repo).evaluate("train")
    assert_clear_error(codefit("evaluate", cwd=repo), "pytest is not", str(venv / "bin" / "python"))
