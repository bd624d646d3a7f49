"""A command optimizer's program must be one the sandbox can show, or the run is refused up front."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codefit.errors import OptimizerError
from codefit.optimizers.base import StepStatus
from codefit.optimizers.command import CommandOptimizer, CommandOptimizerOptions
from codefit.sensors.base import SensorContext
from codefit.workspace.sandbox import ResourceLimits
from tests.conftest import MakeRepo, bare_step_state, needs_bwrap


def _script(directory: Path) -> Path:
    script = directory / "opt.sh"
    script.write_text("#!/bin/sh\ntrue\n")
    script.chmod(0o755)
    return script


def _preflight(command: str, repo: Path) -> None:
    CommandOptimizer(CommandOptimizerOptions(command=command)).preflight(repo)


@needs_bwrap
def test_program_under_tmp_runs_in_the_sandbox_with_the_limits(make_repo: MakeRepo, tmp_path: Path) -> None:
    """/tmp is empty in the sandbox, so the program file itself is shown, read-only."""
    script = tmp_path / "tools" / "opt.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nulimit -t > cpu.txt\n")
    script.chmod(0o755)
    repo = make_repo({"a.py": "x = 1\n"})
    _preflight(f"{script} --fast", repo)
    optimizer = CommandOptimizer(CommandOptimizerOptions(command=f"{script} --fast"))
    limits = ResourceLimits(cpu_s=4321)
    context = SensorContext(python=sys.executable, limits=limits)
    result = optimizer.step(bare_step_state(repo, tmp_path, sensor_context=context))
    assert result.status == StepStatus.EDITED, result.error
    assert (repo / "cpu.txt").read_text().strip() == "4321", "the [limits] reach the optimizer"


@needs_bwrap
def test_program_inside_the_hidden_repository_is_refused(outside_tmp: Path) -> None:
    script = _script(outside_tmp)
    with pytest.raises(OptimizerError, match=r"under the repository .*, which the sandbox hides"):
        _preflight(str(script), outside_tmp)


def test_program_elsewhere_or_relative_passes(tmp_path: Path, outside_tmp: Path) -> None:
    _preflight(str(_script(outside_tmp)), tmp_path)
    _preflight("sh opt.sh", tmp_path)
