"""pytest plugin of the `runtime_contracts` sensor: an icontract violation fails its test even when
the test (or the code under test) catches it.

codefit copies this file as `codefit_contracts_watch.py` into a folder outside the tree under test
and loads it with `-p codefit_contracts_watch`. It records the message of every
`icontract.ViolationError` made while a test's call runs; a test that passed with one becomes a
failure whose message lists them (each names its contract and `File <path>, line <n>`).
It imports nothing from codefit.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

VIOLATIONS: list[str] = []
CAUGHT = "runtime contract violated (the violation was caught) during this test:\n"


def pytest_configure(config: pytest.Config) -> None:
    try:
        import icontract
    except ImportError:  # the code under test does not use icontract: nothing to watch
        return
    original = icontract.ViolationError.__init__

    def record(self: icontract.ViolationError, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        VIOLATIONS.append(str(self))

    icontract.ViolationError.__init__ = record  # type: ignore[method-assign,assignment]


# Old-style wrappers: pluggy before 1.1 (a project pinned to pytest 7) knows no `wrapper=True`.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    VIOLATIONS.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if call.when == "call" and VIOLATIONS and report.passed:
        report.outcome = "failed"
        report.longrepr = CAUGHT + "\n".join(VIOLATIONS)
