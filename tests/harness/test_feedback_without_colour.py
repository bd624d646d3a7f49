"""A project's `addopts = "--color=yes"` puts terminal colour codes in pytest's output: they never
reach the optimizer's feedback, nor the report's readings."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.harness.feedback import FeedbackInput, render_feedback
from codefit.report.trajectory import reading_detail
from codefit.sensors.base import Finding, Outcome, Reading, SensorContext, SensorSettings, TestResult
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split

COLOURED = "\x1b[1m\x1b[31mE   ImportError: cannot import name 'parse'\x1b[0m"


def coloured_reading(tree: Path) -> Reading:
    (tree / "tests").mkdir()
    (tree / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--color=yes"\n')
    (tree / "tests" / "test_a.py").write_text("VALUE = 1  # no test here: pytest says so, in colour\n")
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    return sensor.read(tree, SensorContext(python=sys.executable))


def test_feedback_of_a_coloured_pytest_run_has_no_escape_codes(tmp_path: Path) -> None:
    reading = coloured_reading(tmp_path)
    assert "\x1b[" in reading.output and not reading.passed  # what pytest printed, as it printed it
    text = render_feedback(FeedbackInput(step=1, train=[reading]))
    assert "no tests ran" in text  # pytest's own words are shown ...
    assert "\x1b" not in text  # ... without colour codes


def test_report_readings_have_no_escape_codes_and_list_each_failure_once() -> None:
    failing = TestResult(nodeid="t.py::test_x", outcome=Outcome.FAILED, message=COLOURED)
    reading = Reading(
        sensor="holdout",
        split=Split.VALIDATION,
        score=0.0,
        passed=False,
        tests=(failing,),
        findings=(
            Finding(path="t.py", message=f"t.py::test_x: failed: {COLOURED}", rule="failed"),
            Finding(path="src/m.py", line=3, message="an unrelated finding"),
        ),
        error=f"pytest exited early: {COLOURED}",
    )
    detail = reading_detail(reading)
    assert [t["nodeid"] for t in detail["failing"]] == ["t.py::test_x"]
    assert [f["message"] for f in detail["findings"]] == ["an unrelated finding"]  # not the failure again
    assert "\x1b" not in str(detail)
