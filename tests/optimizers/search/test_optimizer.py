"""SearchOptimizer.step on small real repositories: repair, nothing to do, giving up."""

import sys
from pathlib import Path

from codefit import registry
from codefit.optimizers.base import EventKind, StepResult, StepState, StepStatus
from codefit.optimizers.search import SearchOptimizer, SearchOptions
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from tests.conftest import MakeRepo

STATS = """\
def largest(xs):
    best = xs[0]
    for x in xs:
        if x < best:
            best = x
    return best
"""

STATS_TESTS = """\
import pytest
from stats import largest


@pytest.mark.parametrize("xs,top", [([1, 5, 3], 5), ([7], 7), ([2, 9], 9)])
def test_largest(xs, top):
    assert largest(xs) == top
"""


def state_for(repo: Path) -> StepState:
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    return StepState(
        workspace=repo,
        step=0,
        task="make the tests pass",
        feedback="",
        task_file=repo / "TASK.md",
        feedback_file=repo / "FEEDBACK.md",
        train_sensors=[sensor],
        sensor_context=SensorContext(python=sys.executable, env={"PATH": "/usr/bin:/bin"}),
        run_checks=list,
        writable=("*.py",),
        protected=("tests/**",),
    )


def events(result: StepResult, name: str) -> list[str]:
    return [e.text for e in result.transcript if e.name == name]


def test_step_repairs_the_workspace_and_explains_why(make_repo: MakeRepo) -> None:
    repo = make_repo({"stats.py": STATS, "tests/test_stats.py": STATS_TESTS})
    result = SearchOptimizer(SearchOptions(step_seconds=60)).step(state_for(repo))
    assert result.status == StepStatus.EDITED
    assert "if x > best:" in (repo / "stats.py").read_text()
    assert (repo / "tests/test_stats.py").read_text() == STATS_TESTS
    assert "stats.py:4" in events(result, "localisation")[0]
    assert "evaluated" in events(result, "search")[0]
    assert events(result, "plausible patch")
    chosen = [e for e in result.transcript if e.kind == EventKind.FILE_CHANGE]
    assert len(chosen) == 1 and "+        if x > best:" in chosen[0].text
    after = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    assert after.read(repo, SensorContext(python=sys.executable)).passed


def test_step_reports_no_change_when_the_train_tests_pass(make_repo: MakeRepo) -> None:
    fixed = STATS.replace("x < best", "x > best")
    repo = make_repo({"stats.py": fixed, "tests/test_stats.py": STATS_TESTS})
    result = SearchOptimizer().step(state_for(repo))
    assert result.status == StepStatus.NO_CHANGE
    assert (repo / "stats.py").read_text() == fixed


def test_step_gives_up_when_nothing_plausible_is_in_budget(make_repo: MakeRepo) -> None:
    source = "def greet(name):\n    return 'hello'\n"
    tests = "from greet import greet\n\n\ndef test_greet():\n    assert greet('ann') == 'hello, ann!'\n"
    repo = make_repo({"greet.py": source, "tests/test_greet.py": tests})
    result = SearchOptimizer(SearchOptions(max_candidates=30)).step(state_for(repo))
    assert result.status == StepStatus.GAVE_UP
    assert "no plausible patch" in result.summary
    assert (repo / "greet.py").read_text() == source


def test_search_is_the_registered_search_kind() -> None:
    cls = registry.optimizers.get("search")
    assert cls is SearchOptimizer
    assert cls.kind == "search"
    assert cls.options_model.model_validate({"max_candidates": 10}).max_candidates == 10  # type: ignore[attr-defined]
