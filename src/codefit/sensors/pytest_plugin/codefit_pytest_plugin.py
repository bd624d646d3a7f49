"""The reporter codefit registers in every pytest run it reads (started by `codefit_pytest_boot`).

Self-contained on purpose: it runs inside the environment of the code under test, where codefit
itself may not be installed. It sends one signed record per event through the boot's channel:
  {"event": "collected", "nodeids": [...], "errors": [...]}
  {"event": "test", "nodeid", "when", "outcome", "duration", "message", "skipped_by"?}
  {"event": "tampered", "internals": [...]}
  {"event": "finished", "exitstatus"}
`Timeout` bounds each test's call with SIGALRM ($CODEFIT_TEST_TIMEOUT seconds, read by the boot).

The code under test runs in this very process. After every test, at the end of collection and
at the end of the session the reporter asks the watch (`codefit_pytest_watch`) and the audit hook
(`codefit_pytest_audit`) what changed or happened; anything is sent as "tampered", and the sensor
then fails the whole reading. A skip raised from inside the code under test (not from a test, a
fixture of the tests or a marker) is sent with `skipped_by`: the held-out splits count it as a
failure.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable, Generator
from typing import Any

import pytest
from codefit_pytest_sealed import Sealer

MESSAGE_LIMIT = 2000
GC_THRESHOLD = 7000
UNDER_TEST_KINDS = ("under-test", "synthetic")


class Reporter:
    def __init__(
        self,
        send: Callable[[dict[str, object]], None],
        audit: Any,
        watch: Any,
        sealer: Sealer,
    ) -> None:
        self._send = send
        self._audit = audit
        self._watch = watch
        self._sealer = sealer
        self._collect_errors: list[dict[str, str]] = []
        self._searched_in_a_test = False

    def _check(self, full: bool = False) -> None:
        self._sealer.reseal()  # a class attribute pytest set again (a nested run's restore)
        found = self._watch.check(full) + self._audit.drain()
        if found:
            self._send({"event": "tampered", "internals": found})

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self._sealer.seal()  # before any module of the tree is imported: its code could reach the runner
        self._watch.remember(config.pluginmanager)

    def pytest_runtest_logstart(self) -> None:
        """The first test's protocol has begun: the assertion plugin has set the module globals it
        sets for every test (the running item's config, a closure over the item). Searched once
        here; from then on pytest's writes there are sealed as they are made."""
        if not self._searched_in_a_test:
            self._searched_in_a_test = True
            self._sealer.seal()

    def pytest_runtest_logfinish(self) -> None:
        self._check()

    def _skipped_by_code_under_test(self, report: pytest.TestReport) -> str:
        """Where a skip was raised, when that is in the code under test (not a test, a fixture of
        the tests or a marker): pytest locates a skip at the innermost frame that raised it."""
        if not isinstance(report.longrepr, tuple) or len(report.longrepr) != 3:
            return ""
        path, line, _ = report.longrepr
        kind = self._audit.classify(str(path))
        return f"{path}:{line}" if kind in UNDER_TEST_KINDS else ""

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._collect_errors.append({"nodeid": report.nodeid, "message": _short(str(report.longrepr))})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Collection leaves a large heap (modules, items, fixtures) that every young-generation
        # collection during the tests re-examines as it ages: a tenth of a large suite's run at
        # CPython's default threshold of 700. Collections come ten times rarer; everything stays
        # collectable and visible to `gc` (a freeze would hide it from `gc.get_objects`).
        first, *older = gc.get_threshold()
        gc.set_threshold(max(first, GC_THRESHOLD), *older)
        self._sealer.seal()  # what collection set (the rewriter's session is sealed as it is written)
        self._check(full=True)  # importing the code under test may already have patched something
        self._send(
            {
                "event": "collected",
                "nodeids": [item.nodeid for item in session.items],
                "errors": self._collect_errors,
            }
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = _outcome(report)
        if outcome is None:
            return
        record: dict[str, object] = {
            "event": "test",
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": outcome,
            "duration": report.duration,
            "message": _short(_longrepr_text(report)) if report.failed or report.skipped else "",
        }
        origin = self._skipped_by_code_under_test(report) if outcome == "skipped" else ""
        if origin:
            record["skipped_by"] = origin
        self._send(record)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._check(full=True)
        self._send({"event": "finished", "exitstatus": int(exitstatus)})


def _outcome(report: pytest.TestReport) -> str | None:
    """One outcome per test: the call phase, or a failing/skipping setup or teardown."""
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if xfail:
            return "xfailed" if report.skipped else "xpassed"
        return str(report.outcome)
    if report.failed:
        return "error"
    if report.skipped and report.when == "setup":
        return "xfailed" if xfail else "skipped"
    return None


def _longrepr_text(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return f"{crash.path}:{crash.lineno}: {crash.message}"
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    return str(report.longrepr)


def _short(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + " ..."


class Timeout:
    """Bounds each test's call with SIGALRM (registered only when a limit is set)."""

    def __init__(self, limit: float) -> None:
        self._limit = limit

    # An old-style wrapper: pluggy before 1.1 (pytest 7's) knows no `wrapper=True`.
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, None]:
        limit = self._limit

        def expire(signum: int, frame: object) -> None:
            raise TimeoutError(f"test exceeded the per-test timeout of {limit:g}s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
