"""The fork server's lean item runs give the outcomes of pytest's own per-item protocol."""

import sys
from pathlib import Path

from codefit.optimizers.search.evaluator import EvalStatus, ForkServer, Limits
from codefit.sensors.base import Outcome
from tests.conftest import MakeRepo

MODULE = """\
def add(a, b):
    return a + b
"""

TESTS = """\
import logging
import os
import sys
import unittest
import warnings

import pytest

import calc


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown")


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup")


@pytest.fixture(scope="module")
def shared():
    return []


def test_pass():
    assert calc.add(1, 2) == 3


def test_fail():
    assert calc.add(1, 1) == 3


def test_tmp_path(tmp_path):
    (tmp_path / "x").write_text("1")
    assert (tmp_path / "x").read_text() == "1"


def test_skip_inside():
    pytest.skip("not here")


def test_xfail_inside():
    pytest.xfail("known")


@pytest.mark.skip(reason="marked")
def test_skip_mark():
    assert False


@pytest.mark.xfail(strict=True)
def test_strict_xfail_that_passes():
    pass


@pytest.mark.xfail
def test_xfail_that_fails():
    assert False


def test_caplog(caplog):
    logging.getLogger("t").warning("hello")
    assert "hello" in caplog.text


def test_teardown_error(broken_teardown):
    pass


def test_fail_then_teardown_error(broken_teardown):
    assert False


def test_setup_error(broken_setup):
    pass


def test_sys_exit():
    sys.exit(3)


@pytest.mark.filterwarnings("error")
def test_warning_as_error():
    warnings.warn("careful")


def test_plain_warning():
    warnings.warn("careful")


def test_module_fixture_first(shared):
    shared.append(1)
    assert shared == [1]


def test_module_fixture_second(shared):
    assert shared == [1]


def test_monkeypatch(monkeypatch):
    monkeypatch.setattr(calc, "add", lambda a, b: 0)
    assert calc.add(1, 2) == 0


def test_capsys(capsys):
    print("out")
    assert capsys.readouterr().out == "out\\n"


def test_current_test_variable():
    assert os.environ["PYTEST_CURRENT_TEST"] == "tests/test_kinds.py::test_current_test_variable (call)"


def test_recursion():
    def down(n):
        return down(n + 1)

    down(0)


class TestGrouped:
    def setup_method(self, method):
        self.ready = True

    def test_method(self, shared):
        assert self.ready and shared == [1]


@pytest.fixture
def flag():
    return {"set": True}


@pytest.mark.usefixtures("flag")
def test_usefixtures_mark(request):
    assert request.getfixturevalue("flag") == {"set": True}


@pytest.mark.parametrize("n", [1, 2])
def test_parametrized(n):
    assert n == 1


class TestUnit(unittest.TestCase):
    def test_it(self):
        self.assertEqual(1, 2)
"""

EXPECTED = {
    "test_pass": Outcome.PASSED,
    "test_fail": Outcome.FAILED,
    "test_tmp_path": Outcome.PASSED,
    "test_skip_inside": Outcome.SKIPPED,
    "test_xfail_inside": Outcome.XFAILED,
    "test_skip_mark": Outcome.SKIPPED,
    "test_strict_xfail_that_passes": Outcome.FAILED,
    "test_xfail_that_fails": Outcome.XFAILED,
    "test_caplog": Outcome.PASSED,
    "test_teardown_error": Outcome.ERROR,
    "test_fail_then_teardown_error": Outcome.FAILED,
    "test_setup_error": Outcome.ERROR,
    "test_sys_exit": Outcome.FAILED,
    "test_warning_as_error": Outcome.FAILED,
    "test_plain_warning": Outcome.PASSED,
    "test_module_fixture_first": Outcome.PASSED,
    "test_module_fixture_second": Outcome.PASSED,
    "test_monkeypatch": Outcome.PASSED,
    "test_capsys": Outcome.PASSED,
    "test_current_test_variable": Outcome.PASSED,
    "test_recursion": Outcome.FAILED,
    "TestGrouped::test_method": Outcome.PASSED,
    "test_usefixtures_mark": Outcome.PASSED,
    "test_parametrized[1]": Outcome.PASSED,
    "test_parametrized[2]": Outcome.FAILED,
    "TestUnit::test_it": Outcome.FAILED,
}
PROTOCOL_ONLY = {"test_skip_mark", "test_strict_xfail_that_passes", "test_xfail_that_fails", "test_caplog"}


def node(name: str) -> str:
    return f"tests/test_kinds.py::{name}"


def server_for(repo: Path) -> ForkServer:
    return ForkServer(
        repo,
        sys.executable,
        {"PATH": "/usr/bin:/bin"},
        ["tests"],
        limits=Limits(timeout_s=20, test_timeout_s=5),
    )


def test_lean_runs_give_the_outcomes_of_pytests_protocol(make_repo: MakeRepo) -> None:
    repo = make_repo({"calc.py": MODULE, "tests/test_kinds.py": TESTS})
    with server_for(repo) as server:
        lean = server.run({}, None)  # no details asked: lean where the item allows it
        protocol = server.run({}, None, details=True)  # pytest's own protocol for every item
    assert lean.status == protocol.status == EvalStatus.OK
    for name, expected in EXPECTED.items():
        assert protocol.outcome(node(name)) == expected, name
        assert lean.outcome(node(name)) == expected, name


def test_items_that_need_pytests_protocol_are_not_run_lean(make_repo: MakeRepo) -> None:
    repo = make_repo({"calc.py": MODULE, "tests/test_kinds.py": TESTS})
    with server_for(repo) as server:
        lean = set(server.collected.lean)
    assert {node(n) for n in PROTOCOL_ONLY | {"TestUnit::test_it"}}.isdisjoint(lean)
    assert {
        node(n) for n in ("test_pass", "test_tmp_path", "test_capsys", "TestGrouped::test_method")
    } <= lean


def test_a_conftest_hooking_the_run_turns_lean_runs_off(make_repo: MakeRepo) -> None:
    conftest = """\
import calc


def pytest_runtest_setup(item):
    calc.READY = True
"""
    tests = """\
import calc


def test_hook_ran():
    assert calc.READY
"""
    repo = make_repo({"calc.py": MODULE, "tests/conftest.py": conftest, "tests/test_hook.py": tests})
    with server_for(repo) as server:
        assert server.collected.lean == ()
        result = server.run({}, None)
    assert result.outcome("tests/test_hook.py::test_hook_ran") == Outcome.PASSED


def test_warning_filters_from_the_ini_file_apply_to_lean_runs(make_repo: MakeRepo) -> None:
    tests = """\
import warnings


def test_warns():
    warnings.warn("careful")


def test_quiet():
    pass
"""
    ini = "[pytest]\nfilterwarnings =\n    error\n"
    repo = make_repo({"calc.py": MODULE, "pytest.ini": ini, "tests/test_warns.py": tests})
    with server_for(repo) as server:
        assert "tests/test_warns.py::test_warns" in server.collected.lean
        lean = server.run({}, None)
        protocol = server.run({}, None, details=True)
    for result in (lean, protocol):
        assert result.outcome("tests/test_warns.py::test_warns") == Outcome.FAILED
        assert result.outcome("tests/test_warns.py::test_quiet") == Outcome.PASSED
