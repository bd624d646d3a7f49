"""The `pyright` sensor: `pyright --outputjson`, one finding per error or warning.

Where installed (`pip install pyright[nodejs]` bundles node). It checks against the target
interpreter's packages through `--pythonpath`.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.quality.lint import lint_reading, pyright_findings, tree_sloc
from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.process import run_bounded
from codefit.sensors.ruff import find_executable


class PyrightOptions(Options):
    paths: list[str] = Field(
        default_factory=list, description="What to check; default `src` if the tree has one, else `.`."
    )
    args: list[str] = Field(default_factory=list, description="Extra arguments, e.g. ['--level', 'error'].")
    max_findings: int = Field(default=0, ge=0, description="Diagnostics allowed before the reading fails.")
    executable: str | None = Field(default=None, description="The pyright launcher; found if unset.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds before pyright is killed.")


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
        paths = self.options.paths or (["src"] if (tree / "src").is_dir() else ["."])
        env = dict(ctx.env)
        env.setdefault("PYRIGHT_PYTHON_IGNORE_WARNINGS", "1")  # no update check
        completed = run_bounded(
            [pyright, "--outputjson", "--pythonpath", ctx.python, *self.options.args, *paths],
            cwd=tree,
            env=env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )
        findings = pyright_findings(completed.stdout, tree)
        error = None
        if completed.timed_out:
            error = "pyright timed out"
        elif completed.returncode not in (0, 1):
            error = (
                f"pyright failed with exit status {completed.returncode}: {completed.output.strip()[:500]}"
            )
        return lint_reading(
            self.settings,
            "pyright",
            findings,
            tree_sloc(tree, paths),
            max_findings=self.options.max_findings,
            duration_s=completed.duration_s,
            output=completed.output if error else "",
            error=error,
        )
