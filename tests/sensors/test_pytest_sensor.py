from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.errors import SensorError
from codefit.sensors.base import Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split


def write(tree: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    return tree


def sensor(**options: object) -> PytestSensor:
    return PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions.model_validate(options))


def ctx() -> SensorContext:
    return SensorContext(python=sys.executable)


def outcomes(reading: Reading) -> dict[str, Outcome]:
    return {t.nodeid.split("::")[-1]: t.outcome for t in reading.tests}


def test_records_every_outcome_including_parametrized_cases(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "tests/test_calc.py": (
                "import calc, pytest\n"
                "def test_add(): assert calc.add(1, 2) == 3\n"
                "def test_zero(): assert calc.add(0, 0) == 0\n"
                "@pytest.mark.parametrize('x', [1, 2])\n"
                "def test_p(x): assert x\n"
                "@pytest.mark.skip\n"
                "def test_skipped(): pass\n"
                "@pytest.mark.xfail\n"
                "def test_xf(): assert False\n"
            ),
        },
    )
    reading = sensor(args=["tests"]).read(tmp_path, ctx())
    assert outcomes(reading) == {
        "test_add": Outcome.FAILED,
        "test_zero": Outcome.PASSED,
        "test_p[1]": Outcome.PASSED,
        "test_p[2]": Outcome.PASSED,
        "test_skipped": Outcome.SKIPPED,
        "test_xf": Outcome.XFAILED,
    }
    assert reading.counts.total == 6 and reading.counts.passed == 3 and reading.counts.failed == 1
    assert reading.counts.skipped == 2
    assert reading.score == pytest.approx(3 / 4)
    assert reading.passed is False
    assert reading.split == Split.TRAIN
    failing = reading.failing_tests()
    assert [t.nodeid for t in failing] == ["tests/test_calc.py::test_add"]
    assert "assert -1 == 3" in failing[0].message


def test_hang_is_cut_by_per_test_timeout_and_run_continues(tmp_path: Path) -> None:
    write(tmp_path, {"test_h.py": "def test_hang():\n    while True: pass\ndef test_after(): pass\n"})
    reading = sensor(test_timeout=0.5).read(tmp_path, ctx())
    assert outcomes(reading) == {"test_hang": Outcome.FAILED, "test_after": Outcome.PASSED}
    assert "per-test timeout" in reading.tests[0].message


def test_interpreter_exit_is_a_reading_not_a_pass(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "test_e.py": (
                "import os\ndef test_first(): pass\ndef test_exit(): os._exit(0)\ndef test_later(): pass\n"
            )
        },
    )
    reading = sensor().read(tmp_path, ctx())
    assert outcomes(reading) == {
        "test_first": Outcome.PASSED,
        "test_exit": Outcome.ERROR,
        "test_later": Outcome.ERROR,
    }
    assert reading.passed is False
    assert reading.error is not None and "exited early" in reading.error


def test_collection_error_is_a_failing_reading(tmp_path: Path) -> None:
    write(tmp_path, {"test_bad.py": "import nonexistent_module_xyz\n", "test_ok.py": "def test_ok(): pass\n"})
    reading = sensor().read(tmp_path, ctx())
    assert reading.passed is False
    bad = [t for t in reading.tests if t.outcome == Outcome.ERROR]
    assert bad and "collection error" in bad[0].message


def test_whole_session_timeout_kills_a_hang_outside_tests(tmp_path: Path) -> None:
    write(tmp_path, {"conftest.py": "import time\ntime.sleep(60)\n", "test_x.py": "def test_x(): pass\n"})
    reading = sensor(timeout=1.0).read(tmp_path, ctx())
    assert reading.passed is False
    assert reading.error is not None and reading.error.startswith("collection hung")


def test_no_tests_is_not_a_pass(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": "x = 1\n"})
    reading = sensor().read(tmp_path, ctx())
    assert reading.passed is False and reading.score == 0.0
    assert reading.error == "no tests collected"


def test_heldout_sensor_defaults_to_its_destination(tmp_path: Path) -> None:
    settings = SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION)
    assert PytestSensor(settings, PytestOptions()).args() == [".codefit-heldout/holdout"]


def test_heldout_runs_report_python_tracebacks_with_the_same_messages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"tests/test_x.py": "def total():\n    return 3\n\ndef test_x():\n    assert total() == 4\n"},
    )
    train = sensor(args=["tests"]).read(tmp_path, ctx())
    settings = SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION, dest="tests")
    heldout = PytestSensor(settings, PytestOptions()).read(tmp_path, ctx())
    assert [t.message for t in heldout.tests] == [t.message for t in train.tests]
    assert "assert 3 == 4" in heldout.tests[0].message
    assert "Traceback (most recent call last)" in heldout.output
    assert "Traceback (most recent call last)" not in train.output


def test_a_caller_of_outcomes_only_gets_the_same_outcomes_without_assertion_rewriting(
    tmp_path: Path,
) -> None:
    """`codefit check` shows outcomes, never messages: its runs skip pytest's assertion rewriting
    (half of a cold run of a small suite) and printed tracebacks (most of a failing test's cost),
    and nothing else; `fit`, which shows messages, keeps both. The crash line is read either way."""
    write(
        tmp_path,
        {
            "tests/test_x.py": (
                "import sys\n\ndef test_wrong():\n    assert 3 == 4\n\n"
                "def test_rewritten():\n"
                "    assert type(sys.modules[__name__].__loader__).__name__ == 'AssertionRewritingHook'\n"
            )
        },
    )
    shown = sensor(args=["tests"]).read(tmp_path, ctx())
    counted = sensor(args=["tests"]).read(tmp_path, dataclasses.replace(ctx(), outcomes_only=True))
    assert outcomes(shown) == {"test_wrong": Outcome.FAILED, "test_rewritten": Outcome.PASSED}
    assert outcomes(counted) == {"test_wrong": Outcome.FAILED, "test_rewritten": Outcome.FAILED}
    assert "assert 3 == 4" in shown.tests[0].message
    assert "AssertionError" in counted.tests[0].message and "test_x.py:4" in counted.tests[0].message
    assert "def test_wrong" in shown.output and "def test_wrong" not in counted.output  # no traceback


def test_missing_pytest_in_target_environment_is_a_clear_error(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    write(tmp_path / "tree", {"test_x.py": "def test_x(): pass\n"})
    with pytest.raises(SensorError, match="pytest is not installed for the interpreter"):
        sensor().read(tmp_path / "tree", SensorContext(python=str(venv / "bin" / "python")))


def test_usage_error_names_pytests_own_cause(tmp_path: Path) -> None:
    write(tmp_path, {"tests/test_x.py": "def test_x(): pass\n"})
    reading = sensor(args=["testz"]).read(tmp_path, ctx())
    assert not reading.passed
    assert reading.error == "pytest usage error: ERROR: file or directory not found: testz"
    assert reading.findings[0].message == "ERROR: file or directory not found: testz"


def test_an_option_pytest_does_not_know_is_named_not_pytests_synopsis(tmp_path: Path) -> None:
    ini = "[pytest]\naddopts = --no-such-plugin-option\n"
    write(tmp_path, {"tests/test_x.py": "def test_x(): pass\n", "pytest.ini": ini})
    reading = sensor(args=["tests"]).read(tmp_path, ctx())
    assert reading.error == "pytest usage error: unrecognized arguments: --no-such-plugin-option"


# Code under test that replaces a pytest internal deciding outcomes, so that a failing test passes.
PATCHES = {
    "_pytest.python.Function.runtest": (
        "import importlib\n"
        "importlib.import_module('_py' + 'test.python').Function.runtest = lambda self: None\n"
    ),
    "_pytest.reports.TestReport.from_item_and_call": (
        "import importlib\n"
        "reports = importlib.import_module('_py' + 'test.reports')\n"
        "real = reports.TestReport.from_item_and_call.__func__\n"
        "def forged(cls, item, call):\n"
        "    report = real(cls, item, call)\n"
        "    report.outcome, report.longrepr = 'passed', None\n"
        "    return report\n"
        "reports.TestReport.from_item_and_call = classmethod(forged)\n"
    ),
    "_pytest.runner.call_and_report": (
        "import importlib\n"
        "runner = importlib.import_module('_py' + 'test.runner')\n"
        "real = runner.call_and_report\n"
        "def forged(item, when, log=True, **kwargs):\n"
        "    report = real(item, when, log=False, **kwargs)\n"
        "    report.outcome, report.longrepr = 'passed', None\n"
        "    if log:\n"
        "        item.ihook.pytest_runtest_logreport(report=report)\n"
        "    return report\n"
        "runner.call_and_report = forged\n"
    ),
}


@pytest.mark.parametrize("internal", sorted(PATCHES))
def test_patched_pytest_internal_fails_the_reading_and_is_named(tmp_path: Path, internal: str) -> None:
    write(
        tmp_path,
        {
            "calc.py": PATCHES[internal] + "\ndef add(a, b):\n    return a - b\n",
            "test_calc.py": "import calc\n\ndef test_add():\n    assert calc.add(1, 2) == 3\n",
        },
    )
    # Control: plain pytest, the patch really turns the failing test into a pass.
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.returncode == 0 and "1 passed" in plain.stdout, plain.stdout

    reading = sensor().read(tmp_path, ctx())
    assert not reading.passed and reading.score == 0.0
    assert outcomes(reading) == {"test_add": Outcome.FAILED}
    assert reading.error is not None and internal in reading.error
    assert reading.findings[0].rule == "tampered" and internal in reading.findings[0].message


def test_an_honest_suite_with_plugins_and_fixtures_is_not_taken_for_tampering(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conftest.py": "import pytest\n\n@pytest.fixture\ndef two():\n    return 2\n",
            "test_ok.py": (
                "import pytest, unittest\n\n"
                "def test_fixture(two, monkeypatch, tmp_path):\n"
                "    monkeypatch.setattr('os.sep', '/')\n    assert two == 2\n\n"
                "class TestCase(unittest.TestCase):\n"
                "    def test_unit(self):\n        self.assertTrue(True)\n\n"
                "@pytest.mark.xfail\ndef test_expected():\n    assert False\n"
            ),
        },
    )
    reading = sensor().read(tmp_path, ctx())
    assert reading.passed and reading.error is None, reading.output
    assert not [f for f in reading.findings if f.rule == "tampered"]


def test_tests_run_with_rarer_young_collections_and_the_whole_heap_in_sight(tmp_path: Path) -> None:
    """The collector's first threshold is raised once collection is done; the heap that collection
    built stays visible to `gc.get_objects` (as a project's own gc helpers expect: boltons' gcutils)."""
    write(
        tmp_path,
        {
            "tests/test_gc.py": (
                "import gc\n"
                "class Made_At_Import:\n"
                "    pass\n"
                "KEPT = Made_At_Import()\n"
                "def test_threshold():\n"
                "    assert gc.get_threshold()[0] >= 7000\n"
                "def test_heap_in_sight():\n"
                "    assert any(type(o) is Made_At_Import for o in gc.get_objects())\n"
            )
        },
    )
    reading = sensor(args=["tests"]).read(tmp_path, ctx())
    assert outcomes(reading) == {"test_threshold": Outcome.PASSED, "test_heap_in_sight": Outcome.PASSED}


def test_an_xfail_that_passes_counts_as_pytest_counts_it(tmp_path: Path) -> None:
    """pytest fails a run for a strict xfail that passes, not for a plain one (sqlparse keeps one
    in its suite: counted as a failure, every check of sqlparse failed its held-out split)."""
    plain = "import pytest\n\n@pytest.mark.xfail(reason='fixed since')\ndef test_fixed():\n    assert True\n"
    write(tmp_path, {"tests/test_x.py": plain})
    reading = sensor(args=["tests"]).read(tmp_path, ctx())
    assert outcomes(reading) == {"test_fixed": Outcome.XPASSED}
    assert reading.passed and reading.failing_tests() == () and reading.counts.passed == 1
    strict = plain.replace("reason='fixed since'", "reason='fixed since', strict=True")
    write(tmp_path, {"tests/test_x.py": strict})
    reading = sensor(args=["tests"]).read(tmp_path, ctx())
    assert outcomes(reading) == {"test_fixed": Outcome.FAILED}
    assert not reading.passed and reading.counts.failed == 1
