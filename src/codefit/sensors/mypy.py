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

from codefit.errors import SensorError
from codefit.quality.lint import LintOptions, lint_reading, mypy_findings, tree_sloc
from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.process import Completed, run_bounded


class MypyOptions(LintOptions):
    """Keys for `kind = "mypy"`."""


class MypySensor:
    options_model: ClassVar[type[Options]] = MypyOptions

    def __init__(self, settings: SensorSettings, options: MypyOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        paths = self.options.checked_paths(tree)
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
        return lint_reading(
            self.settings,
            "mypy",
            findings,
            tree_sloc(tree, paths),
            completed,
            max_findings=self.options.max_findings,
            tool_failed=completed.returncode not in (0, 1) and not findings,
            detail=completed.output,
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
