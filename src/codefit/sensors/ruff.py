"""The `ruff` sensor: `ruff check` with JSON output, one finding per diagnostic.

ruff is a standalone binary, so any copy reads the tree the same way: the one next to the target
interpreter is preferred, then codefit's own, then the first on PATH. It runs with `--no-cache`
so that it leaves nothing in the tree.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.quality.lint import LintOptions, lint_reading, ruff_findings, tree_sloc
from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.process import run_bounded


class RuffOptions(LintOptions):
    """Keys for `kind = "ruff"`."""

    paths: list[str] = Field(
        default_factory=lambda: ["."], description="What to check, relative to the tree."
    )
    executable: str | None = Field(default=None, description="The ruff binary; found automatically if unset.")
    timeout: float = Field(default=300.0, gt=0, description="Seconds before ruff is killed.")


def find_executable(name: str, python: str) -> str | None:
    """`name` beside the target interpreter, beside codefit's interpreter, or on PATH."""
    interpreter = shutil.which(python) or python
    for folder in (Path(interpreter).parent, Path(sys.executable).parent):
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    return shutil.which(name)


class RuffSensor:
    options_model: ClassVar[type[Options]] = RuffOptions

    def __init__(self, settings: SensorSettings, options: RuffOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        ruff = self.options.executable or find_executable("ruff", ctx.python)
        if ruff is None:
            raise SensorError(
                "ruff is not installed: `pip install ruff`", where=f"sensor {self.settings.name!r}"
            )
        argv = [ruff, "check", "--output-format", "json", "--no-cache", "--exit-zero", *self.options.args]
        completed = run_bounded(
            [*argv, *self.options.paths],
            cwd=tree,
            env=ctx.env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )
        return lint_reading(
            self.settings,
            "ruff",
            ruff_findings(completed.stdout, tree),
            tree_sloc(tree, self.options.paths),
            completed,
            max_findings=self.options.max_findings,
            tool_failed=completed.returncode != 0,
            detail=completed.stderr,
        )
