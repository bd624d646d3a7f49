"""pytest plugin loaded by codefit's pytest sensor (`-p codefit_pytest_plugin`).

Self-contained on purpose: it runs inside the environment of the code under test, where codefit
itself may not be installed. It writes one JSON object per line to $CODEFIT_PYTEST_REPORT,
flushed at once, so results survive a crash or an `os._exit` in the code under test:
  {"event": "collected", "nodeids": [...], "errors": [...]}
  {"event": "test", "nodeid", "outcome", "duration", "message"}
  {"event": "finished", "exitstatus"}
  {"event": "tampered", "internals": [...]}   (see below)
$CODEFIT_TEST_TIMEOUT (seconds) bounds each test's call with SIGALRM.

The code under test runs in this very process, so it could replace the pytest internals that
decide outcomes (`Function.runtest = lambda self: None` passes every test). The identities of
those internals, of this plugin's own functions and of every hook implementation registered when
pytest is configured are recorded then and compared after every report: a replaced one is
reported as "tampered", and the sensor fails the whole reading. This raises the bar; it is no
proof, since code in the same process can also write the report file itself.
"""

from __future__ import annotations

import importlib
import json
import os
import signal

import pytest

_MESSAGE_LIMIT = 2000
# Internals that decide whether a test passes: (module, attribute path).
_GUARDED = (
    ("_pytest.python", "Function.runtest"),
    ("_pytest.python", "pytest_pyfunc_call"),
    ("_pytest.unittest", "TestCaseFunction.runtest"),
    ("_pytest.runner", "runtestprotocol"),
    ("_pytest.runner", "call_and_report"),
    ("_pytest.runner", "call_runtest_hook"),
    ("_pytest.runner", "CallInfo.from_call"),
    ("_pytest.runner", "pytest_runtest_makereport"),
    ("_pytest.reports", "TestReport.from_item_and_call"),
    ("_pytest.skipping", "pytest_runtest_makereport"),
    ("codefit_pytest_plugin", "_Reporter.pytest_runtest_logreport"),
    ("codefit_pytest_plugin", "_Reporter.pytest_collection_finish"),
    ("codefit_pytest_plugin", "_Reporter.pytest_sessionfinish"),
    ("codefit_pytest_plugin", "_Reporter._check"),
    ("codefit_pytest_plugin", "_Reporter._write"),
    ("codefit_pytest_plugin", "_outcome"),
    ("codefit_pytest_plugin", "_identities"),
)
# Hooks whose implementations decide or record outcomes.
_GUARDED_HOOKS = (
    "pytest_runtest_protocol",
    "pytest_runtest_call",
    "pytest_pyfunc_call",
    "pytest_runtest_makereport",
    "pytest_runtest_logreport",
    "pytest_report_teststatus",
    "pytest_collection_finish",
    "pytest_sessionfinish",
)


class _Reporter:
    def __init__(self, path: str, timeout: float, config: pytest.Config) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as pytest
        self._timeout = timeout
        self._collect_errors: list[dict[str, str]] = []
        self._config = config
        self._original: dict[str, object] = {}
        self._reported: set[str] = set()

    def _write(self, record: dict[str, object]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def remember_internals(self) -> None:
        self._original = _identities(self._config)

    def _check(self) -> None:
        """Report every recorded internal that is no longer the object it was at configure time."""
        now = _identities(self._config)
        changed = sorted(n for n, obj in self._original.items() if now.get(n) is not obj)
        new = [n for n in changed if n not in self._reported]
        if new:
            self._reported.update(new)
            self._write({"event": "tampered", "internals": new})

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
        self._check()  # importing the code under test may already have patched something
        self._write(
            {
                "event": "collected",
                "nodeids": [item.nodeid for item in session.items],
                "errors": self._collect_errors,
            }
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._check()
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
        self._check()
        self._write({"event": "finished", "exitstatus": int(exitstatus)})


def _identities(config: pytest.Config) -> dict[str, object]:
    """The objects now behind each guarded internal and each guarded hook implementation."""
    found: dict[str, object] = {}
    for module_name, path in _GUARDED:
        obj = _static_lookup(module_name, path)
        if obj is not None:
            found[f"{module_name}.{path}"] = obj
    for hook_name in _GUARDED_HOOKS:
        caller = getattr(config.pluginmanager.hook, hook_name, None)
        for impl in caller.get_hookimpls() if caller is not None else ():
            # The plugin object is in the key: a replaced plugin shows as one whose hook vanished.
            found[f"hook {hook_name} of plugin {impl.plugin_name} ({id(impl.plugin):x})"] = impl.function
    return found


def _static_lookup(module_name: str, path: str) -> object | None:
    """The attribute as stored (a classmethod object, not a fresh bound method each time)."""
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError:
        return None
    for part in path.split("."):
        namespace = vars(obj) if hasattr(obj, "__dict__") else {}
        if part not in namespace:
            return None
        obj = namespace[part]
    return obj


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
        reporter = _Reporter(path, timeout, config)
        config.pluginmanager.register(reporter, "codefit-reporter")
        reporter.remember_internals()
