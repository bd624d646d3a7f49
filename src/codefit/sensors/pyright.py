"""The `pyright` sensor: `pyright --outputjson`, one finding per error or warning.

Where installed (`pip install pyright[nodejs]` bundles node). It checks against the target
interpreter's packages through `--pythonpath`.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.quality.lint import LintOptions, lint_reading, pyright_findings, tree_sloc
from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
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
        pyright = self.options.executable or find_executable("pyright", ctx.python)
        if pyright is None:
            raise SensorError(
                "pyright is not installed: `pip install pyright[nodejs]`",
                where=f"sensor {self.settings.name!r}",
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
