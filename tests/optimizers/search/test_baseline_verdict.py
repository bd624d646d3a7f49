"""The search's baseline: which tests fail is judged by a plain run, as candidates are, never by the
slower coverage run (much slower where coverage.py is missing and lines are traced in Python)."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.optimizers.base import StepState, StepStatus
from codefit.optimizers.search import SearchOptimizer, SearchOptions
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from tests.conftest import MakeRepo

CALC = """\
def sub(a, b):
    return a + b


def spin(n):
    total = 0
    for i in range(n):
        total += i
    return total
"""

TESTS = """\
from calc import spin, sub


def test_sub():
    assert sub(3, 1) == 2


def test_sub_again():
    assert sub(5, 5) == 0


def test_slow_but_passing():
    # About 0.05 s plain; traced line by line in Python, some 20 times longer.
    assert spin(1_000_000) == 499999500000
"""

# Inside the tree, where the sandbox shows it: the target environment then has no coverage.py.
NO_COVERAGE = 'raise ImportError("coverage.py is not installed in this environment")\n'


def state_for(repo: Path) -> StepState:
    options = PytestOptions(args=["tests"], test_timeout=0.5)
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), options)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "nocov"}
    return StepState(
        workspace=repo,
        step=1,
        task="make the tests pass",
        feedback="",
        task_file=repo / "TASK.md",
        feedback_file=repo / "FEEDBACK.md",
        train_sensors=[sensor],
        sensor_context=SensorContext(python=sys.executable, env=env),
        run_checks=list,
        writable=("calc.py",),
        protected=("tests/**",),
    )


def test_without_coverage_py_only_the_failing_tests_count_as_failing(make_repo: MakeRepo) -> None:
    files = {"calc.py": CALC, "tests/test_calc.py": TESTS, "nocov/coverage/__init__.py": NO_COVERAGE}
    repo = make_repo(files)
    result = SearchOptimizer(SearchOptions(step_seconds=60, workers=1)).step(state_for(repo))
    localisation = next(e.text for e in result.transcript if e.name == "localisation")
    assert localisation.startswith("2 failing train test(s)"), localisation
    assert "calc.py:2" in localisation
    assert result.status == StepStatus.EDITED, result.summary
    assert "return a - b" in (repo / "calc.py").read_text()
