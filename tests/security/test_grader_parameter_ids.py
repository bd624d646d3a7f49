"""A parametrized case's id is made from its values, the expected one too (`test_add[2-3-5]`), and
pytest puts it in `PYTEST_CURRENT_TEST`, which any code can read. A candidate that answered from the
environment passed every sealed held-out case of a split suite. In a held-out run the variable now
names the test without its parameter id; in a train run it stays as pytest sets it."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo

# Reads no test file, no frame, no test module: only the environment.
FROM_THE_ENVIRONMENT = """import os


def add(a, b):
    for value in os.environ.values():
        if "[" in value and "]" in value:
            ids = value[value.index("[") + 1 : value.index("]")].split("-")
            if len(ids) == 3 and ids[:2] == [str(a), str(b)]:
                return int(ids[2])
    return 0
"""
CASES = """import os

import pytest

from calc import add


@pytest.mark.parametrize(("a", "b", "total"), [(2, 3, 5), (4, 4, 8)])
def test_add(a, b, total):
    assert add(a, b) == total


@pytest.mark.parametrize("n", [7])
def test_the_variable_names_the_test(n):
    assert os.environ["PYTEST_CURRENT_TEST"].endswith(" (call)")
    assert ("[7]" in os.environ["PYTEST_CURRENT_TEST"]) == SHOWS_ID
"""


def read(make_repo: MakeRepo, tmp_path: Path, split: Split) -> Reading:
    tests = CASES + f"\n\nSHOWS_ID = {split == Split.TRAIN}\n"
    files = {"calc.py": FROM_THE_ENVIRONMENT, "tests/test_calc.py": "def test_nothing():\n    pass\n"}
    if split == Split.TRAIN:
        files["tests/test_cases.py"] = tests
    ws = Workspace.create(make_repo(files), tmp_path / "ws")
    ctx = SensorContext(python=sys.executable)
    if split == Split.TRAIN:
        settings = SensorSettings(name="unit", kind="pytest")
        return PytestSensor(settings, PytestOptions(args=["tests/test_cases.py"])).read(ws.path, ctx)
    hidden = tmp_path / "hidden"
    (hidden / "tests").mkdir(parents=True)
    (hidden / "tests" / "test_cases.py").write_text(tests)
    settings = SensorSettings(name="held", kind="pytest", split=split, path=hidden, dest=".")
    sensor = PytestSensor(settings, PytestOptions(args=["tests/test_cases.py"]))
    (reading,) = grade(ws, ws.base, [sensor], ctx)
    return reading


def outcomes(reading: Reading) -> dict[str, str]:
    return {t.nodeid.split("::")[1]: t.outcome.value for t in reading.tests}


def test_a_held_out_case_cannot_be_answered_from_its_id(make_repo: MakeRepo, tmp_path: Path) -> None:
    reading = read(make_repo, tmp_path, Split.VALIDATION)
    assert outcomes(reading) == {
        "test_add[2-3-5]": "failed",
        "test_add[4-4-8]": "failed",
        "test_the_variable_names_the_test[7]": "passed",
    }, [t.message for t in reading.tests]


def test_a_train_run_keeps_the_variable_as_pytest_sets_it(make_repo: MakeRepo, tmp_path: Path) -> None:
    reading = read(make_repo, tmp_path, Split.TRAIN)
    assert reading.passed, [t.message for t in reading.tests]  # the visible cases: answered, as bare
