"""pytest plugin loaded by codefit's pytest sensor (`-p codefit_pytest_plugin`).

Self-contained on purpose: it runs inside the environment of the code under test, where codefit
itself may not be installed. It writes one JSON object per line to $CODEFIT_PYTEST_REPORT,
flushed at once, so results survive a crash or an `os._exit` in the code under test:
  {"event": "collected", "nodeids": [...], "errors": [...]}
  {"event": "test", "nodeid", "outcome", "duration", "message"}
  {"event": "finished", "exitstatus"}
$CODEFIT_TEST_TIMEOUT (seconds) bounds each test's call with SIGALRM.
"""

from __future__ import annotations

import json
import os
import signal

import pytest

_MESSAGE_LIMIT = 2000


class _Reporter:
    def __init__(self, path: str, timeout: float) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as pytest
        self._timeout = timeout
        self._collect_errors: list[dict[str, str]] = []

    def _write(self, record: dict[str, object]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        if self._timeout <= 0 or not hasattr(signal, "setitimer"):
            yield
            return

        def _expire(signum: int, frame: object) -> None:
            raise TimeoutError(f"test exceeded the per-test timeout of {self._timeout:g}s")

        previous = signal.signal(signal.SIGALRM, _expire)
        signal.setitimer(signal.ITIMER_REAL, self._timeout)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._collect_errors.append({"nodeid": report.nodeid, "message": _short(str(report.longrepr))})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._write(
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
        message = ""
        if report.failed or report.skipped:
            message = _short(_longrepr_text(report))
        self._write(
            {
                "event": "test",
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": outcome,
                "duration": report.duration,
                "message": message,
            }
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._write({"event": "finished", "exitstatus": int(exitstatus)})


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
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + " ..."


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get("CODEFIT_PYTEST_REPORT")
    if path:
        timeout = float(os.environ.get("CODEFIT_TEST_TIMEOUT", "0") or 0)
        config.pluginmanager.register(_Reporter(path, timeout), "codefit-reporter")
