"""A command optimizer's program must be one the sandbox shows, or the run is refused up front."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from codefit.errors import OptimizerError
from codefit.optimizers.command import CommandOptimizer, CommandOptimizerOptions
from codefit.workspace.sandbox import sandbox_available

needs_bwrap = pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not available here")


@pytest.fixture
def outside() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="codefit-program-test-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _script(directory: Path) -> Path:
    script = directory / "opt.sh"
    script.write_text("#!/bin/sh\ntrue\n")
    script.chmod(0o755)
    return script


def _preflight(command: str, repo: Path) -> None:
    CommandOptimizer(CommandOptimizerOptions(command=command)).preflight(repo)


@needs_bwrap
def test_program_under_tmp_is_refused_with_the_reason(tmp_path: Path, outside: Path) -> None:
    script = _script(tmp_path)
    with pytest.raises(OptimizerError, match=r"is under /tmp, which the sandbox replaces with an empty"):
        _preflight(f"{script} --fast", outside)


@needs_bwrap
def test_program_inside_the_hidden_repository_is_refused(outside: Path) -> None:
    script = _script(outside)
    with pytest.raises(OptimizerError, match=r"under the repository .*, which the sandbox hides"):
        _preflight(str(script), outside)


def test_program_elsewhere_or_relative_passes(tmp_path: Path, outside: Path) -> None:
    _preflight(str(_script(outside)), tmp_path)
    _preflight("sh opt.sh", tmp_path)
