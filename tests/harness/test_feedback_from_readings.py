"""Feedback rendered from a real pytest reading: each failure once, within its size, with the budget."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.harness.feedback import FeedbackInput, FeedbackSettings, render_feedback
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor

# Three tests failing with one long, identical traceback.
TESTS = """
import pytest

LONG = "x" * 6000

@pytest.mark.parametrize("n", [1, 2, 3])
def test_fails_the_same_way(n):
    assert LONG == "y"
"""


def real_reading(tree: Path):  # type: ignore[no-untyped-def]
    (tree / "tests").mkdir()
    (tree / "tests" / "test_same.py").write_text(TESTS)
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    return sensor.read(tree, SensorContext(python=sys.executable))


def test_a_failing_test_is_listed_once_and_its_traceback_stays_within_the_limit(tmp_path: Path) -> None:
    reading = real_reading(tmp_path)
    assert reading.counts.failed == 3 and reading.findings, "pytest readings carry findings too"
    settings = FeedbackSettings(max_message_chars=200)
    text = render_feedback(FeedbackInput(step=1, train=[reading], settings=settings))
    for n in (1, 2, 3):
        assert text.count(f"::test_fails_the_same_way[{n}]: failed") == 1, text
    assert text.count("(same failure as") == 2
    assert len(text) < 1500, len(text)


def test_the_budget_line_shows_steps_queries_cost_and_time_left(tmp_path: Path) -> None:
    text = render_feedback(
        FeedbackInput(step=2, train=[], steps_left=3, queries_left=1, cost_left_usd=0.5, time_left_s=600)
    )
    assert text.rstrip().endswith(
        "Steps left: 3; hidden-check queries left: 1; cost left: $0.50; time left: 10 min"
    )
