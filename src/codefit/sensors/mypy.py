"""The `mypy` sensor: `mypy -O json` on the tree, one finding per error.

mypy belongs to the target environment (it must see the project's installed dependencies): it
runs as `<target python> -m mypy`; where the target has no mypy, codefit's own mypy runs with
`--python-executable <target python>` so imports still resolve there. The cache goes to a
temporary directory, never into the tree.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.quality.lint import lint_reading, mypy_findings, tree_sloc
from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.process import Completed, run_bounded


class MypyOptions(Options):
    paths: list[str] = Field(
        default_factory=list, description="What to check; default `src` if the tree has one, else `.`."
    )
    args: list[str] = Field(default_factory=list, description="Extra arguments, e.g. ['--strict'].")
    max_findings: int = Field(default=0, ge=0, description="Errors allowed before the reading fails.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds before mypy is killed.")


class MypySensor:
    options_model: ClassVar[type[Options]] = MypyOptions

    def __init__(self, settings: SensorSettings, options: MypyOptions) -> None:
        self.settings = settings
        self.options = options

    def paths(self, tree: Path) -> list[str]:
        if self.options.paths:
            return list(self.options.paths)
        return ["src"] if (tree / "src").is_dir() else ["."]

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        paths = self.paths(tree)
        with tempfile.TemporaryDirectory(prefix="codefit-mypy-") as cache:
            completed = self._run(ctx.python, [], tree, ctx, cache, paths)
            if _mypy_missing(completed):
                completed = self._run(
                    sys.executable, ["--python-executable", ctx.python], tree, ctx, cache, paths
                )
        if _mypy_missing(completed):
            raise SensorError(
                f"mypy is installed neither for {ctx.python} nor for codefit: `pip install mypy`",
                where=f"sensor {self.settings.name!r}",
            )
        findings = mypy_findings(completed.stdout + "\n" + completed.stderr, tree)
        error = None
        if completed.timed_out:
            error = "mypy timed out"
        elif completed.returncode not in (0, 1) and not findings:
            error = f"mypy failed with exit status {completed.returncode}: {completed.output.strip()[:500]}"
        return lint_reading(
            self.settings,
            "mypy",
            findings,
            tree_sloc(tree, paths),
            max_findings=self.options.max_findings,
            duration_s=completed.duration_s,
            output=completed.output if error else "",
            error=error,
        )

    def _run(
        self, python: str, extra: list[str], tree: Path, ctx: SensorContext, cache: str, paths: list[str]
    ) -> Completed:
        argv = [python, "-m", "mypy", "-O", "json", "--cache-dir", cache, "--no-error-summary", *extra]
        return run_bounded(
            [*argv, *self.options.args, *paths],
            cwd=tree,
            env=ctx.env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )


def _mypy_missing(completed: Completed) -> bool:
    return "No module named mypy" in completed.stderr
