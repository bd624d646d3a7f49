"""The reporter codefit registers in every pytest run it reads (started by `codefit_pytest_boot`).

Self-contained on purpose: it runs inside the environment of the code under test, where codefit
itself may not be installed. It sends one signed record per event through the boot's channel:
  {"event": "collected", "nodeids": [...], "errors": [...]}
  {"event": "test", "nodeid", "when", "outcome", "duration", "message", "skipped_by"?}
  {"event": "tampered", "internals": [...]}
  {"event": "finished", "exitstatus"}
A per-test timeout ($CODEFIT_TEST_TIMEOUT seconds, read by the boot) bounds each call with SIGALRM.

The code under test runs in this very process. After every test, at the end of collection and
at the end of the session the reporter asks the watch (`codefit_pytest_watch`) and the audit hook
(`codefit_pytest_audit`) what changed or happened; anything is sent as "tampered", and the sensor
then fails the whole reading. A skip raised from inside the code under test (not from a test, a
fixture of the tests or a marker) is sent with `skipped_by`: the held-out splits count it as a
failure.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

import pytest

MESSAGE_LIMIT = 2000
UNDER_TEST_KINDS = ("under-test", "synthetic")


class Reporter:
    def __init__(
        self, send: Callable[[dict[str, object]], None], audit: Any, watch: Any, timeout: float
    ) -> None:
        self._send = send
        self._audit = audit
        self._watch = watch
        self._timeout = timeout
        self._collect_errors: list[dict[str, str]] = []

    def _check(self) -> None:
        found = self._watch.check() + self._audit.drain()
        if found:
            self._send({"event": "tampered", "internals": found})

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self._watch.remember(config.pluginmanager)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self._audit.in_test = True
        try:
            return (yield)
        finally:
            self._audit.in_test = False
            self._check()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        if self._timeout <= 0 or not hasattr(signal, "setitimer"):
            return (yield)
        limit = self._timeout

        def expire(signum: int, frame: object) -> None:
            raise TimeoutError(f"test exceeded the per-test timeout of {limit:g}s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.skipped and call.excinfo is not None:
            origin = self._raised_in_code_under_test(call.excinfo.tb)
            if origin:
                report.user_properties.append(("codefit_skipped_by", origin))
        return report

    def _raised_in_code_under_test(self, tb: TracebackType | None) -> str:
        """Where the innermost frame of the tree that raised the skip lies, if it is not a test's."""
        innermost = ""
        while tb is not None:
            code = tb.tb_frame.f_code
            kind = self._audit.classify(code.co_filename)
            if kind in UNDER_TEST_KINDS:
                innermost = f"{code.co_filename}:{tb.tb_lineno}"
            elif kind == "test":
                innermost = ""
            tb = tb.tb_next
        return innermost

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._collect_errors.append({"nodeid": report.nodeid, "message": _short(str(report.longrepr))})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._check()  # importing the code under test may already have patched something
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
        origin = dict(report.user_properties).get("codefit_skipped_by")
        if outcome == "skipped" and origin:
            record["skipped_by"] = origin
        self._send(record)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._check()
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
