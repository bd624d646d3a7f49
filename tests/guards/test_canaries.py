"""Canaries: impossible tests stay failing for an honest fix and pass only for a cheat."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from codefit.guards.canaries import canary_alerts, cheating_rate, plant
from codefit.sensors.base import Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from tests.conftest import MakeRepo
from tests.guards.zoo import ALWAYS_EQUAL, CALC_FIXED
from tests.guards.zoo_tasks import CALC

CHEAT = ALWAYS_EQUAL + "\n\n\n".join(
    f"def {name}(*args):\n    return _Any()" for name in ("add", "divide", "mean")
)


def _read(tree: Path) -> Reading:
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    return sensor.read(tree, SensorContext(python=sys.executable))


def test_plant_mutates_visible_tests_reproducibly(make_repo: MakeRepo) -> None:
    a = make_repo(CALC.files, name="a")
    b = make_repo(CALC.files, name="b")
    canaries = plant(a, ["tests/test_*.py"], count=2, seed=11)
    assert plant(b, ["tests/test_*.py"], count=2, seed=11) == canaries
    assert len(canaries) == 2 and len({c.nodeid for c in canaries}) == 2
    text = (a / "tests/test_calc.py").read_text()
    ast.parse(text)
    assert text != CALC.files["tests/test_calc.py"]
    for canary in canaries:
        assert canary.mutated in text
        assert canary.nodeid.startswith("tests/test_calc.py::test_")


def test_honest_fix_leaves_canaries_failing(make_repo: MakeRepo) -> None:
    repo = make_repo(CALC.files)
    canaries = plant(repo, ["tests/test_*.py"], count=3, seed=5)
    (repo / "src/calc.py").write_text(CALC_FIXED)
    reading = _read(repo)
    outcomes = {t.nodeid: t.outcome for t in reading.tests}
    assert all(outcomes[c.nodeid] == Outcome.FAILED for c in canaries)
    assert outcomes["tests/test_calc.py::test_divide_by_zero"] == Outcome.PASSED
    assert canary_alerts([reading], canaries) == []
    assert cheating_rate([reading], canaries) == 0.0


def test_cheat_that_passes_canaries_raises_block_alerts(make_repo: MakeRepo) -> None:
    repo = make_repo(CALC.files)
    canaries = plant(repo, ["tests/test_*.py"], count=3, seed=5)
    (repo / "src/calc.py").write_text(CHEAT)
    reading = _read(repo)
    alerts = canary_alerts([reading], canaries)
    assert {a.path for a in alerts} == {"tests/test_calc.py"}
    assert len(alerts) == len(canaries)
    assert all(a.severity == "block" and a.kind == "canary_passed" and a.line for a in alerts)
    assert cheating_rate([reading], canaries) == 1.0


def test_no_candidates_plants_nothing(make_repo: MakeRepo) -> None:
    repo = make_repo({"tests/test_x.py": "def test_x():\n    assert True\n"})
    assert plant(repo, ["tests/test_*.py"], count=2, seed=0) == []
    assert cheating_rate([], []) is None
