"""A lean run of one test item for the fork server: setup, call, teardown, and nothing else.

pytest's per-item protocol goes through a dozen plugins' hooks (reports, terminal, logging,
warnings, capture) and builds a report object per phase; for a candidate whose failures need no
explanation that is most of its cost. Where the result is the same, the server runs the item
directly: the session's SetupState sets up and tears down fixtures, `item.runtest()` calls the
test through `pytest_pyfunc_call` (so async plugins still apply), and the outcome is read from the
exception. Anything the lean run could get wrong takes pytest's own protocol instead:

- a session where a plugin or conftest we do not know hooks into running tests;
- items that are not plain test functions (unittest, doctest, plugin items), that carry
  skip/skipif/xfail marks, that use `caplog` (it needs the logging plugin's per-phase handler), or
  that are Hypothesis tests.

Warning filters (`-W`, `filterwarnings` in the ini file or as a mark) still apply: the item runs
inside pytest's own warning context when any is configured.

Loaded by path by forkserver_main.py; only the standard library and pytest.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Hooks the lean run skips, and the plugins whose implementations of them it knows to be
# bookkeeping (reports, output, timing) or handled here (skips via marks, timeouts).
BYPASSED_HOOKS = (
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "pytest_runtest_call",
    "pytest_runtest_teardown",
    "pytest_runtest_makereport",
    "pytest_runtest_logreport",
    "pytest_runtest_logstart",
    "pytest_runtest_logfinish",
)
KNOWN_PLUGINS = frozenset(
    {
        "runner",
        "main",
        "session",
        "faulthandler",
        "unittest",
        "timeout",
        "assertion",
        "warnings",
        "threadexception",
        "unraisableexception",
        "skipping",
        "capturemanager",
        "logging-plugin",
        "hypothesispytest",
        "tmpdir",
        "terminalreporter",
        "junitxml",
        "stepwise",
        "lfplugin",
        "nfplugin",
        "setuponly",
        "setupplan",
        "pastebin",
        "debugging",
        "pdbinvoke",
    }
)
MARKS_NEEDING_PROTOCOL = frozenset({"skip", "skipif", "xfail"})
FIXTURES_NEEDING_PROTOCOL = frozenset({"caplog"})

PASSED, FAILED, ERROR, SKIPPED, XFAILED = "passed", "failed", "error", "skipped", "xfailed"


class LeanRunner:
    """Decides once, in the server before any fork, which items may run lean; runs them in a child."""

    def __init__(self, session: pytest.Session, own_plugin: object) -> None:
        self.enabled = False
        try:
            from _pytest.outcomes import Exit, Skipped, XFailed
            from _pytest.warnings import catch_warnings_for_item

            self._setupstate = session._setupstate
            self._setupstate.setup  # noqa: B018 - the API the lean run relies on
            self._setupstate.teardown_exact  # noqa: B018
        except (ImportError, AttributeError):
            return  # a pytest too different from the one this was written against
        self._skipped: type[BaseException] = Skipped
        self._xfailed: type[BaseException] = XFailed
        self._stops: tuple[type[BaseException], ...] = (Exit, KeyboardInterrupt)
        self._catch_warnings: Callable[..., Any] = catch_warnings_for_item
        self._tmp_path_key = _tmp_path_key()
        self._config_filters = _configured_filters(session.config)
        self.enabled = _only_known_plugins(session, own_plugin)

    def eligible(self, item: pytest.Item) -> bool:
        if not self.enabled or type(item) is not pytest.Function:
            return False
        if any(mark.name in MARKS_NEEDING_PROTOCOL for mark in item.iter_markers()):
            return False
        if FIXTURES_NEEDING_PROTOCOL & set(getattr(item, "fixturenames", ())):
            return False
        return not getattr(getattr(item, "obj", None), "is_hypothesis_test", False)

    def run(
        self, item: pytest.Item, nextitem: pytest.Item | None, test_timeout: float, test_cpu: float = 0.0
    ) -> str:
        """Setup, call and teardown of one item; the outcome as the recorder would report it."""
        with self._warnings(item):
            return self._run(item, nextitem, test_timeout, test_cpu)

    def _run(
        self, item: pytest.Item, nextitem: pytest.Item | None, test_timeout: float, test_cpu: float
    ) -> str:
        if self._tmp_path_key is not None:
            item.stash.setdefault(self._tmp_path_key, {})  # tmp_path's teardown reads it
        outcome = PASSED
        try:
            _current_test(item, "setup")
            self._setupstate.setup(item)
        except BaseException as exc:
            outcome = SKIPPED if isinstance(exc, self._skipped) else ERROR
        else:
            try:
                _current_test(item, "call")
                with alarm(test_timeout, test_cpu):
                    item.runtest()
            except BaseException as exc:
                outcome = self._call_outcome(exc)
        try:
            _current_test(item, "teardown")
            self._setupstate.teardown_exact(nextitem)
        except BaseException:
            if outcome in (PASSED, SKIPPED, XFAILED):
                outcome = ERROR  # a failing call stays failed, as the recorder keeps the first bad result
        os.environ.pop("PYTEST_CURRENT_TEST", None)
        return outcome

    def _call_outcome(self, exc: BaseException) -> str:
        if isinstance(exc, self._skipped):
            return SKIPPED
        if isinstance(exc, self._xfailed):
            return XFAILED
        if isinstance(exc, self._stops):
            return ERROR
        return FAILED

    def _warnings(self, item: pytest.Item) -> contextlib.AbstractContextManager[object]:
        if self._config_filters or any(True for _ in item.iter_markers(name="filterwarnings")):
            return self._catch_warnings(item.config, item.ihook, "runtest", item)  # type: ignore[no-any-return]
        return contextlib.nullcontext()


def _only_known_plugins(session: pytest.Session, own_plugin: object) -> bool:
    """True when every implementation of a bypassed hook belongs to a plugin we know."""
    manager = session.config.pluginmanager
    for name in BYPASSED_HOOKS:
        caller = getattr(manager.hook, name, None)
        if caller is None:
            return False
        for impl in caller.get_hookimpls():
            if impl.plugin is not own_plugin and impl.plugin_name not in KNOWN_PLUGINS:
                return False
    return True


def _configured_filters(config: pytest.Config) -> bool:
    """Whether `-W` or the ini file set warning filters (which may turn a warning into a failure)."""
    try:
        ini = config.getini("filterwarnings")
    except ValueError:  # the warnings plugin is off (-p no:warnings): pytest applies none either
        return False
    return bool(ini or getattr(config.option, "pythonwarnings", None))


def _tmp_path_key() -> Any:
    try:
        from _pytest.tmpdir import tmppath_result_key
    except ImportError:
        return None
    return tmppath_result_key


def _current_test(item: pytest.Item, when: str) -> None:
    """What pytest's runner tells the code under test through the environment."""
    os.environ["PYTEST_CURRENT_TEST"] = f"{item.nodeid} ({when})".replace("\x00", "(null)")


@contextlib.contextmanager
def alarm(seconds: float, cpu_seconds: float = 0.0) -> Iterator[None]:
    """A per-test timeout as a TimeoutError in the test (the candidate-wide kill is the backstop):
    `seconds` of wall-clock time, and `cpu_seconds` of the process's user CPU time (an endless loop is
    cut as soon as it has spun that long, however busy the machine; a test that sleeps is not; the
    candidate-wide CPU limit is ITIMER_PROF's, see forkserver_confine.cpu_deadline). 0 = none."""
    timers = [
        (signal.SIGALRM, signal.ITIMER_REAL, seconds, "per-test timeout"),
        (signal.SIGVTALRM, signal.ITIMER_VIRTUAL, cpu_seconds, "per-test CPU time"),
    ]
    armed = []
    for signum, which, limit, what in timers:
        if limit > 0:
            signal.signal(signum, _expire(what, limit))
            signal.setitimer(which, limit)
            armed.append(which)
    try:
        yield
    finally:
        for which in armed:
            signal.setitimer(which, 0)


def _expire(what: str, limit: float) -> Callable[[int, object], None]:
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"test exceeded the {what} of {limit:g}s")

    return expire
