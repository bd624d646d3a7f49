"""The `coverage` sensor: line and branch coverage of the code by the visible tests.

coverage.py runs pytest in the target interpreter, with its data file in a temporary directory
(nothing is left in the tree). The project's own coverage configuration (omit, exclude_lines)
applies; branch measurement is always on.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.quality.lint import relative
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorContext, SensorSettings, clip_output


class CoverageOptions(Options):
    args: list[str] = Field(default_factory=list, description="Arguments after `pytest`.")
    source: list[str] = Field(
        default_factory=list, description="Code to measure; default `src` if the tree has one, else `.`."
    )
    omit: list[str] = Field(default_factory=lambda: ["tests/*", "test/*", "*/tests/*", "conftest.py"])
    fail_under: float = Field(default=0.0, ge=0, le=100, description="Percent of lines below which it fails.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds for the test session.")


class CoverageSensor:
    options_model: ClassVar[type[Options]] = CoverageOptions

    def __init__(self, settings: SensorSettings, options: CoverageOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        source = self.options.source or (["src"] if (tree / "src").is_dir() else ["."])
        env = {k: v for k, v in ctx.env.items() if k not in ("PYTEST_ADDOPTS", "COVERAGE_PROCESS_START")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        with tempfile.TemporaryDirectory(prefix="codefit-coverage-") as tmp:
            data, report = str(Path(tmp) / "coverage.data"), Path(tmp) / "coverage.json"
            run = ctx.run(
                [
                    ctx.python,
                    "-m",
                    "coverage",
                    "run",
                    "--branch",
                    f"--data-file={data}",
                    f"--source={','.join(source)}",
                    f"--omit={','.join(self.options.omit)}",
                    "-m",
                    "pytest",
                    "-p",
                    "no:cacheprovider",
                    *self.options.args,
                ],
                tree,
                env=env,
                timeout_s=min(self.options.timeout, ctx.timeout_s),
                writable=[Path(tmp)],  # the code under test runs confined; its data lands here
            )
            if "No module named coverage" in run.stderr:
                raise SensorError(
                    f"coverage.py is not installed for {ctx.python}: `pip install coverage` there",
                    where=f"sensor {self.settings.name!r}",
                )
            as_json = ctx.run(
                [ctx.python, "-m", "coverage", "json", f"--data-file={data}", "-o", str(report)],
                tree,
                env=env,
                timeout_s=120.0,
                writable=[Path(tmp)],
            )
            figures = json.loads(report.read_text()) if report.is_file() else None
        output = clip_output(run.output + ("\n" + as_json.output if figures is None else ""))
        if figures is None:
            cause = "timed out" if run.timed_out else "no data (did any test run?)"
            return Reading(
                sensor=self.settings.name,
                split=self.settings.split,
                score=0.0,
                passed=False,
                duration_s=run.duration_s,
                output=output,
                error=f"coverage: {cause}",
            )
        return coverage_reading(self.settings, figures, tree, self.options.fail_under, run.duration_s, output)


def coverage_reading(
    settings: SensorSettings,
    figures: dict[str, Any],
    tree: Path,
    fail_under: float,
    duration_s: float,
    output: str,
) -> Reading:
    """Turn `coverage json` output into a Reading; the score is the line coverage."""
    totals = figures.get("totals", {})
    statements, covered = int(totals.get("num_statements", 0)), int(totals.get("covered_lines", 0))
    branches, taken = int(totals.get("num_branches", 0)), int(totals.get("covered_branches", 0))
    line_coverage = covered / statements if statements else 1.0
    branch_coverage = taken / branches if branches else 1.0
    findings = []
    for path, info in sorted(figures.get("files", {}).items()):
        missing = sorted(int(n) for n in info.get("missing_lines", []))
        if missing:
            findings.append(
                Finding(
                    path=relative(path, tree),
                    line=missing[0],
                    rule="uncovered",
                    message=f"{len(missing)} {'line' if len(missing) == 1 else 'lines'} that no test runs: "
                    f"{ranges(missing)}",
                )
            )
    return Reading(
        sensor=settings.name,
        split=settings.split,
        score=line_coverage,
        passed=line_coverage * 100 >= fail_under,
        counts=Counts(total=statements, passed=covered, failed=statements - covered),
        duration_s=duration_s,
        findings=tuple(findings),
        output=output,
        metrics={
            "line_coverage": line_coverage,
            "branch_coverage": branch_coverage,
            "statements": float(statements),
            "covered_lines": float(covered),
            "branches": float(branches),
            "covered_branches": float(taken),
        },
    )


def ranges(lines: list[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> '1-3, 7, 9-10'."""
    parts: list[str] = []
    start = prev = lines[0]
    for n in [*lines[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(f"{start}-{prev}" if prev != start else str(start))
        if n is not None:
            start = prev = n
    return ", ".join(parts)
