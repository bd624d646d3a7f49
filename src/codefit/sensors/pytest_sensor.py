"""The `pytest` sensor: runs pytest in a subprocess and records every test's outcome."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.records import Options
from codefit.sensors.base import (
    Counts,
    Finding,
    Outcome,
    Reading,
    SensorContext,
    SensorSettings,
    TestResult,
    clip_output,
)
from codefit.sensors.process import Completed

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
PLUGIN_NAME = "codefit_pytest_plugin"
NOT_COUNTED = (Outcome.SKIPPED, Outcome.XFAILED)
USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR; pytest need not be importable by codefit's interpreter


class PytestOptions(Options):
    args: list[str] = Field(default_factory=list, description="Arguments after `pytest`.")
    test_timeout: float = Field(default=5.0, ge=0, description="Seconds per test; 0 = none.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds for the whole session.")


class PytestSensor:
    options_model: ClassVar[type[Options]] = PytestOptions

    def __init__(self, settings: SensorSettings, options: PytestOptions) -> None:
        self.settings = settings
        self.options = options

    def args(self) -> list[str]:
        if self.options.args:
            return list(self.options.args)
        return [self.settings.heldout_dest()] if self.settings.heldout else []

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        with tempfile.TemporaryDirectory(prefix="codefit-pytest-") as tmp:
            report = Path(tmp) / "report.jsonl"
            completed = ctx.run(
                [ctx.python, "-m", "pytest", "-p", PLUGIN_NAME, "-p", "no:cacheprovider", *self.args()],
                tree,
                env=self._env(ctx, report),
                timeout_s=min(self.options.timeout, ctx.timeout_s),
                writable=[report.parent],
            )
            events = _read_events(report)
        if not events and _pytest_missing(completed):
            raise SensorError(
                f"pytest is not installed for the interpreter {ctx.python}; install it there "
                "or set `python` in the config to an interpreter that has it",
                where=f"sensor {self.settings.name!r}",
            )
        return build_reading(self.settings, events, completed)

    def _env(self, ctx: SensorContext, report: Path) -> dict[str, str]:
        env = dict(ctx.env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PLUGIN_DIR), env.get("PYTHONPATH", "")) if p)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["CODEFIT_PYTEST_REPORT"] = str(report)
        env["CODEFIT_TEST_TIMEOUT"] = str(self.options.test_timeout)
        env.pop("PYTEST_ADDOPTS", None)
        return env


def build_reading(settings: SensorSettings, events: list[dict[str, Any]], completed: Completed) -> Reading:
    """Turn the plugin's events (possibly cut short by a crash or a hang) into a Reading."""
    collected: list[str] = []
    results: dict[str, TestResult] = {}
    error: str | None = None
    for event in events:
        if event.get("event") == "collected":
            collected = list(event.get("nodeids", []))
            for bad in event.get("errors", []):
                results[bad["nodeid"]] = TestResult(
                    nodeid=bad["nodeid"],
                    outcome=Outcome.ERROR,
                    message="collection error: " + bad["message"],
                )
        elif event.get("event") == "test":
            result = TestResult(
                nodeid=event["nodeid"],
                outcome=Outcome(event["outcome"]),
                duration_s=float(event.get("duration", 0.0)),
                message=event.get("message", ""),
            )
            results[result.nodeid] = _worse(results.get(result.nodeid), result)
    tampered = sorted({n for e in events if e.get("event") == "tampered" for n in e.get("internals", [])})
    if tampered:
        # Outcomes reported after pytest's own machinery was replaced mean nothing.
        why = "not trusted: the code under test patched pytest internals"
        for nodeid, result in results.items():
            if result.outcome not in (Outcome.FAILED, Outcome.ERROR):
                results[nodeid] = result.model_copy(update={"outcome": Outcome.FAILED, "message": why})
    finished = any(e.get("event") == "finished" for e in events)
    missing = [n for n in collected if n not in results]
    if missing:
        cause = "timed out" if completed.timed_out else "the test process exited"
        first = f"{cause} during this test (exit status {completed.returncode})"
        for i, nodeid in enumerate(missing):
            results[nodeid] = TestResult(
                nodeid=nodeid,
                outcome=Outcome.ERROR,
                message=first if i == 0 else f"not run: {cause}",
            )
    if not events:
        error = "pytest did not start" + (" (timed out)" if completed.timed_out else "")
    elif completed.timed_out:
        error = "pytest timed out"
    elif not finished:
        error = f"pytest exited early with status {completed.returncode}"
    tests = tuple(results.values())
    counts = count_outcomes(tests)
    countable = counts.total - counts.skipped
    score = counts.passed / countable if countable else 0.0
    passed = countable > 0 and counts.failed == 0 and counts.errors == 0 and error is None
    findings = [_finding(t) for t in tests if t.outcome in (Outcome.FAILED, Outcome.ERROR)]
    usage = _usage_error(completed)
    if usage is not None:
        error = f"pytest usage error: {usage}"
        findings.insert(0, Finding(message=usage, rule="usage-error", severity="error"))
    elif not tests and error is None:
        error = "no tests collected"
    if tampered:
        error = "the code under test patched pytest internals: " + ", ".join(tampered)
        findings.insert(0, Finding(message=error, rule="tampered", severity="error"))
    return Reading(
        sensor=settings.name,
        split=settings.split,
        score=score,
        passed=passed and not tampered,
        counts=counts,
        duration_s=completed.duration_s,
        findings=tuple(findings),
        tests=tests,
        output=clip_output(completed.output),
        error=error,
    )


def count_outcomes(tests: tuple[TestResult, ...]) -> Counts:
    def n(*outcomes: Outcome) -> int:
        return sum(1 for t in tests if t.outcome in outcomes)

    return Counts(
        total=len(tests),
        passed=n(Outcome.PASSED),
        failed=n(Outcome.FAILED, Outcome.XPASSED),
        errors=n(Outcome.ERROR),
        skipped=n(*NOT_COUNTED),
    )


_SEVERITY = {
    Outcome.ERROR: 5,
    Outcome.FAILED: 4,
    Outcome.XPASSED: 3,
    Outcome.PASSED: 2,
    Outcome.XFAILED: 1,
    Outcome.SKIPPED: 0,
}


def _worse(old: TestResult | None, new: TestResult) -> TestResult:
    """A test's teardown error outranks its passing call."""
    if old is None or _SEVERITY[new.outcome] >= _SEVERITY[old.outcome]:
        return new
    return old


def _finding(test: TestResult) -> Finding:
    path = test.nodeid.split("::", 1)[0]
    return Finding(path=path, message=f"{test.nodeid}: {test.outcome}: {test.message}", rule=test.outcome)


def _read_events(report: Path) -> list[dict[str, Any]]:
    if not report.exists():
        return []
    events = []
    for line in report.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut by a kill mid-write
    return events


def _usage_error(completed: Completed) -> str | None:
    """pytest's own line for a usage error (exit status 4), such as a test path that does not exist."""
    if completed.returncode != USAGE_ERROR:
        return None
    lines = [line.strip() for line in completed.output.splitlines()]
    return next((line for line in lines if line.startswith("ERROR:")), None)


def _pytest_missing(completed: Completed) -> bool:
    return "No module named pytest" in completed.stderr
