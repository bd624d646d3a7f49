"""The `pyright` sensor: `pyright --outputjson`, one finding per error or warning.

Where installed (`pip install pyright[nodejs]` bundles node). It checks against the target
interpreter's packages through `--pythonpath`. Where it is not installed the reading fails with
that one finding, and every other sensor is still read.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.quality.lint import LintOptions, lint_reading, pyright_findings, tree_sloc
from codefit.records import Options
from codefit.sensors.base import Finding, Reading, SensorContext, SensorSettings
from codefit.sensors.process import run_bounded
from codefit.sensors.ruff import find_executable


class PyrightOptions(LintOptions):
    """Keys for `kind = "pyright"`."""

    executable: str | None = Field(default=None, description="The pyright launcher; found if unset.")


class PyrightSensor:
    options_model: ClassVar[type[Options]] = PyrightOptions

    def __init__(self, settings: SensorSettings, options: PyrightOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        configured = self.options.executable
        pyright = shutil.which(configured) if configured else find_executable("pyright", ctx.python)
        if pyright is None:
            where = f" (no {configured})" if configured else ""
            return not_installed(
                self.settings, f"pyright is not installed{where}: `pip install pyright[nodejs]`"
            )
        paths = self.options.checked_paths(tree)
        env = dict(ctx.env)
        env.setdefault("PYRIGHT_PYTHON_IGNORE_WARNINGS", "1")  # no update check
        completed = run_bounded(
            [pyright, "--outputjson", "--pythonpath", ctx.python, *self.options.args, *paths],
            cwd=tree,
            env=env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )
        return lint_reading(
            self.settings,
            "pyright",
            pyright_findings(completed.stdout, tree),
            tree_sloc(tree, paths),
            completed,
            max_findings=self.options.max_findings,
            tool_failed=completed.returncode not in (0, 1),
            detail=completed.output,
        )


def not_installed(settings: SensorSettings, message: str) -> Reading:
    """A failed reading with one finding, so a missing optional tool never stops the other sensors."""
    finding = Finding(message=message, rule="not-installed", severity="error")
    return Reading(
        sensor=settings.name,
        split=settings.split,
        score=0.0,
        passed=False,
        findings=(finding,),
        error=message,
    )
