"""The `pytest` sensor: runs pytest in a subprocess and records every test's outcome.

The run starts through `codefit_pytest_boot` (see `pytest_plugin/`): safe path, plugin autoload
off with the installed plugins loaded explicitly, an audit hook and a watch on the runner, and a
report signed with a key passed on stdin. A report that does not verify, or any tamper evidence,
fails the whole reading. In held-out splits a skip the held-out test source does not declare, or
one raised from inside the code under test, is a failure.

The per-test timeout is `test_timeout` when the config sets it (a hard limit); otherwise none for
the sensor's first run (the baseline), then a multiple of the longest test that run measured,
never under a floor, so a test that passes in the user's own run is never failed for its time.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from codefit.ansi import strip_ansi
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
from codefit.sensors.pytest_report import new_key, read_report

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
BOOT_MODULE = "codefit_pytest_boot"
NOT_COUNTED = (Outcome.SKIPPED, Outcome.XFAILED)
_PARSER_ERROR = re.compile(r"^\S.*: error: (.+)$")  # argparse: `python -m pytest: error: ...`
USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR; pytest need not be importable by codefit's interpreter
RUN_ONLY_ENV = ("PYTHONSAFEPATH", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
TIMEOUT_MULTIPLE = 10.0
TIMEOUT_FLOOR_S = 10.0
UNLISTED_DIRS = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".nox"})
# What a test module writes to declare a skip: a marker, pytest.skip, importorskip, unittest's skips.
DECLARES_SKIP = re.compile(r"skip", re.IGNORECASE)


class PytestOptions(Options):
    args: list[str] = Field(default_factory=list, description="Arguments after `pytest`.")
    test_timeout: float | None = Field(
        default=None,
        ge=0,
        description="Seconds per test, a hard limit; 0 = none; unset = derived from the baseline.",
    )
    timeout: float = Field(default=600.0, gt=0, description="Seconds for the whole session.")


class PytestSensor:
    options_model: ClassVar[type[Options]] = PytestOptions

    def __init__(self, settings: SensorSettings, options: PytestOptions) -> None:
        self.settings = settings
        self.options = options
        self._derived_timeout: float | None = None

    def args(self) -> list[str]:
        """The configured arguments; a held-out sensor always runs its own held-out folder too."""
        args = list(self.options.args)
        if self.settings.heldout:
            dest = self.settings.heldout_dest()
            # Held-out files laid over the whole tree (dest "."): the args name them (as
            # `codefit split` and `tasks mine` write); adding "." would run the visible suite too.
            if dest == "." and args:
                return args
            if not any(a == dest or a.startswith((dest + "/", dest + "::")) for a in args):
                args.append(dest)
        return args

    def _style(self, ctx: SensorContext) -> list[str]:
        """Python's own tracebacks in held-out runs: the failures of their impossible twins are
        expected, and pytest's long tracebacks of them cost more than running the tests. A test's
        message (the crash line) is the same in either style. Where only outcomes are read, no
        traceback and plain asserts: rewriting every test module for messages nobody reads costs
        a cold run (a fresh clone: no cached rewrite) about half of a small suite's time, and a
        printed traceback triples a failing test's cost. `--tb`/`--assert` in the args still win."""
        if ctx.outcomes_only:
            return ["--tb=no", "--assert=plain"]
        return ["--tb=native"] if self.settings.heldout else []

    def test_timeout_s(self) -> float:
        """Seconds per test now (0 = none): the configured limit, else the one derived from the baseline."""
        if self.options.test_timeout is not None:
            return self.options.test_timeout
        return self._derived_timeout or 0.0

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        declared = skip_declarations(tree, self.settings) if self.settings.heldout else None
        timeout_s = min(self.options.timeout, ctx.timeout_s)
        events, completed = self.launch(tree, ctx, self.args(), self.heldout_entries(), timeout_s)
        reading = build_reading(self.settings, events, completed, declared)
        self._learn_timeout(reading)
        return reading

    def launch(
        self, tree: Path, ctx: SensorContext, args: list[str], heldout_entries: str, timeout_s: float
    ) -> tuple[list[dict[str, Any]], Completed]:
        """One confined pytest process on `args` with this sensor's options: its verified events
        (tamper evidence among them) and how it ended. `heldout_entries`: the audit hook's test files."""
        key = new_key()
        with tempfile.TemporaryDirectory(prefix="codefit-pytest-") as tmp:
            path = Path(tmp) / "report.jsonl"
            completed = ctx.run(
                [ctx.python, "-m", BOOT_MODULE, "-p", "no:cacheprovider", *self._style(ctx), *args],
                tree,
                env=self._env(ctx, tree, path, heldout_entries),
                timeout_s=timeout_s,
                writable=[path.parent],
                stdin_text="\n".join(
                    [
                        key.hex(),
                        json.dumps(dict(ctx.unchanged_blobs or {})),
                        json.dumps(dict(ctx.changed_bases or {})),
                        "",
                    ]
                ),
                at_repo=True,  # tests that build paths (or strip them) see the user's own
            )
            report = read_report(path, key)
        if not report.events and report.forged is None and _pytest_missing(completed):
            raise SensorError(
                f"pytest is not installed for the interpreter {ctx.python}; install it there "
                "or set `python` in the config to an interpreter that has it",
                where=f"sensor {self.settings.name!r}",
            )
        events = report.events
        if report.forged is not None:
            events = [*events, {"event": "tampered", "internals": [report.forged]}]
        return events, completed

    def _learn_timeout(self, reading: Reading) -> None:
        if self.options.test_timeout is not None or self._derived_timeout is not None:
            return
        if reading.error is None and reading.tests:
            longest = max(t.duration_s for t in reading.tests)
            self._derived_timeout = max(TIMEOUT_FLOOR_S, TIMEOUT_MULTIPLE * longest)

    def _env(self, ctx: SensorContext, tree: Path, report: Path, heldout_entries: str) -> dict[str, str]:
        env = dict(ctx.env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PLUGIN_DIR), env.get("PYTHONPATH", "")) if p)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # For this process only: the boot takes back what it added, so that processes the tests
        # start (`python -m pkg`, an inner pytest) run as they would in the user's own run.
        added = [name for name in RUN_ONLY_ENV if name not in env]
        env.update(dict.fromkeys(RUN_ONLY_ENV, "1"))
        env["CODEFIT_ADDED_ENV"] = ",".join(added)
        env["CODEFIT_PYTEST_REPORT"] = str(report)
        env["CODEFIT_TEST_TIMEOUT"] = str(self.test_timeout_s())
        env["CODEFIT_HELDOUT_DIRS"] = heldout_entries
        env["CODEFIT_HELDOUT_RUN"] = "1" if self.settings.heldout else ""
        own = ctx.own_modules if ctx.own_modules is not None else top_level_names(tree)
        env["CODEFIT_OWN_MODULES"] = ",".join(sorted(own))
        env.pop("PYTEST_ADDOPTS", None)
        env.pop("PYTEST_PLUGINS", None)
        return env

    def heldout_entries(self) -> str:
        """What the audit hook takes for held-out test files: the files placed, where they are known
        (a destination inside the package keeps the code under test beside them), else the folder."""
        if not self.settings.heldout:
            return ""
        dest = self.settings.heldout_dest()
        source = self.settings.path
        if source is None or not source.exists():
            return dest + "/"
        files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
        rels = [p.name if source.is_file() else p.relative_to(source).as_posix() for p in files]
        return os.pathsep.join(sorted((Path(dest) / rel).as_posix() for rel in rels))


def top_level_names(tree: Path) -> frozenset[str]:
    """The name of every file and folder in the tree (a module's without `.py`): any of them may
    land on `sys.path` as a top-level module (rootdir insertion, `pythonpath`), none is an attack."""
    names: set[str] = set()
    for _folder, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in UNLISTED_DIRS]
        names.update(dirs)
        names.update(f[:-3] if f.endswith(".py") else f for f in files)
    return frozenset(names)


def skip_declarations(tree: Path, settings: SensorSettings) -> dict[str, bool]:
    """{held-out test file (relative to the tree): whether its source declares any skip}, read
    before the code under test runs (it may rewrite files in the tree)."""
    root = tree / settings.heldout_dest()
    files = [root] if root.is_file() else sorted(root.rglob("*.py")) if root.is_dir() else []
    return {
        p.relative_to(tree).as_posix(): bool(
            DECLARES_SKIP.search(p.read_text(encoding="utf-8", errors="replace"))
        )
        for p in files
    }


def build_reading(
    settings: SensorSettings,
    events: list[dict[str, Any]],
    completed: Completed,
    declared_skips: dict[str, bool] | None = None,
) -> Reading:
    """Turn the plugin's events (possibly cut short by a crash or a hang) into a Reading.

    `declared_skips` (held-out splits): {test file: whether it declares a skip}; a skip it does not
    declare, or one raised by the code under test, is a failure there."""
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
            if declared_skips is not None and result.outcome == Outcome.SKIPPED:
                result = _judge_skip(result, event, declared_skips)
            results[result.nodeid] = _worse(results.get(result.nodeid), result)
    tampered = sorted({n for e in events if e.get("event") == "tampered" for n in e.get("internals", [])})
    if tampered:
        # Outcomes reported after pytest's own machinery was replaced mean nothing.
        why = "not trusted: the code under test tampered with the test run"
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
    if completed.timed_out and not any(e.get("event") == "collected" for e in events):
        error = (
            f"collection hung: pytest collected nothing in {completed.duration_s:.0f}s "
            "(an import or a conftest.py that blocks?)"
        )
    elif not events:
        error = "pytest did not start"
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
        error = "the code under test tampered with the test run: " + "; ".join(tampered)
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


def _judge_skip(result: TestResult, event: dict[str, Any], declared: dict[str, bool]) -> TestResult:
    """A held-out skip stands only when its test file declares skips and no code under test raised it."""
    origin = event.get("skipped_by")
    path = result.nodeid.split("::", 1)[0]
    if origin:
        why = f"skipped from inside the code under test ({origin}): an undeclared skip is a failure"
    elif not declared.get(path, False):
        why = "skipped, but the held-out test source declares no skip: an undeclared skip is a failure"
    else:
        return result
    return result.model_copy(
        update={"outcome": Outcome.FAILED, "message": f"{why}. {result.message}".strip()}
    )


def count_outcomes(tests: tuple[TestResult, ...]) -> Counts:
    def n(*outcomes: Outcome) -> int:
        return sum(1 for t in tests if t.outcome in outcomes)

    return Counts(
        total=len(tests),
        passed=n(Outcome.PASSED, Outcome.XPASSED),  # a strict xfail that passes is reported failed
        failed=n(Outcome.FAILED),
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


def _usage_error(completed: Completed) -> str | None:
    """pytest's own line for a usage error (exit status 4), such as a test path that does not exist."""
    return usage_reason(completed.output) if completed.returncode == USAGE_ERROR else None


def usage_reason(output: str) -> str | None:
    """Why pytest refused its command line: the argument parser's `...: error: REASON` line when there
    is one (`unrecognized arguments: --cov`: the `ERROR: usage: ...` line above it is only the
    synopsis), else pytest's own `ERROR:` line (`ERROR: file or directory not found: x`)."""
    lines = [strip_ansi(line).strip() for line in output.splitlines()]
    reason = next((m.group(1) for line in lines if (m := _PARSER_ERROR.match(line))), None)
    if reason:
        return reason
    return next((line for line in lines if line.startswith("ERROR:")), None)


# pytest's line for an exception (`E   ModuleNotFoundError: ...`), an error raised from a warning
# (`E   PytestRemovedIn10Warning: ...`, where the last line is a link to the docs) included, or its
# internal error's (`INTERNALERROR> pytest.PytestUnknownMarkWarning: ...`).
_EXCEPTION_LINE = re.compile(r"^(?:E|INTERNALERROR>)\s+(\S*(?:Error|Exception|Warning)\b.*)$")


def exception_line(output: str) -> str:
    """The first line of `output` naming an exception and its message, or ""."""
    for line in output.splitlines():
        match = _EXCEPTION_LINE.match(strip_ansi(line).rstrip())
        if match:
            return match.group(1)
    return ""


def _pytest_missing(completed: Completed) -> bool:
    return "No module named pytest" in completed.stderr or "No module named 'pytest'" in completed.stderr
