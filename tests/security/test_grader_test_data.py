"""Held-out expected values reached at run time without a file read, a frame or `gc`.

- From the environment: pytest makes a parametrized case's id from its values, the expected one
  too (`test_add[2-3-5]`), and puts it in `PYTEST_CURRENT_TEST`. A candidate reading it passed
  every sealed held-out case of a suite split by `codefit split`; in a held-out run the variable
  now names the test without its parameter id (a train run keeps it as pytest sets it).
- From a test module imported by name: pytest's own import hook read the file on the candidate's
  behalf, and the audit hook took the library for the reader. A test file read through an
  installed library now counts as read by whoever asked.
A scan of `sys.modules` for the modules pytest has already loaded, or of pytest's items, reads
plain data (taking test modules out of `sys.modules` failed honest fixes on toolz, cachetools and
boltons, whose tests pickle what they define): twin rows in the tables make such answers fail
(`test_grader_table_twins.py`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
# Imports each test module by name (the folder's name assembled), the visible one too, which this
# held-out run never loaded, and scans them the same way.
FROM_A_NEW_IMPORT = """import importlib
import os

_folder = bytes([116, 101, 115, 116, 115]).decode()


def add(a, b):
    for name in sorted(os.listdir(_folder)):
        if name.endswith(".py"):
            try:
                module = importlib.import_module(name[:-3])
            except Exception:
                continue
            for value in list(vars(module).values()):
                for row in value if isinstance(value, list) else ():
                    if isinstance(row, tuple) and len(row) == 3 and row[:2] == (a, b):
                        return row[2]
    return 0
"""
CASES = """import os

import pytest

from calc import add


ROWS = [(2, 3, 5), (4, 4, 8)]


@pytest.mark.parametrize(("a", "b", "total"), ROWS)
def test_add(a, b, total):
    assert add(a, b) == total


@pytest.mark.parametrize("n", [7])
def test_the_variable_names_the_test(n):
    assert os.environ["PYTEST_CURRENT_TEST"].endswith(" (call)")
    assert ("[7]" in os.environ["PYTEST_CURRENT_TEST"]) == SHOWS_ID
"""


def read(
    make_repo: MakeRepo,
    tmp_path: Path,
    split: Split,
    code: str = FROM_THE_ENVIRONMENT,
    *,
    outcomes_only: bool = False,
) -> Reading:
    tests = CASES + f"\n\nSHOWS_ID = {split == Split.TRAIN}\n"
    files = {
        "calc.py": "def add(a, b):\n    return 0\n",
        "tests/test_calc.py": "def test_nothing():\n    pass\n",
    }
    if split == Split.TRAIN:
        files["tests/test_cases.py"] = tests
    ws = Workspace.create(make_repo(files), tmp_path / "ws")
    (ws.path / "calc.py").write_text(code)  # the candidate's change: not the project's own code
    candidate = ws.snapshot("candidate")
    ctx = SensorContext(python=sys.executable, outcomes_only=outcomes_only)
    if split == Split.TRAIN:
        settings = SensorSettings(name="unit", kind="pytest")
        return PytestSensor(settings, PytestOptions(args=["tests/test_cases.py"])).read(ws.path, ctx)
    hidden = tmp_path / "hidden"
    (hidden / "tests").mkdir(parents=True)
    (hidden / "tests" / "test_cases.py").write_text(tests)
    settings = SensorSettings(name="held", kind="pytest", split=split, path=hidden, dest=".")
    sensor = PytestSensor(settings, PytestOptions(args=["tests/test_cases.py"]))
    (reading,) = grade(ws, candidate, [sensor], ctx)
    return reading


def outcomes(reading: Reading) -> dict[str, str]:
    return {t.nodeid.split("::")[1]: t.outcome.value for t in reading.tests}


@pytest.mark.parametrize("outcomes_only", [False, True], ids=["rewritten asserts", "plain asserts"])
def test_a_held_out_case_cannot_be_answered_from_its_id(
    make_repo: MakeRepo, tmp_path: Path, outcomes_only: bool
) -> None:
    reading = read(make_repo, tmp_path, Split.VALIDATION, outcomes_only=outcomes_only)
    assert outcomes(reading) == {
        "test_add[2-3-5]": "failed",
        "test_add[4-4-8]": "failed",
        "test_the_variable_names_the_test[7]": "passed",
    }, [t.message for t in reading.tests]


def test_a_train_run_keeps_the_variable_as_pytest_sets_it(make_repo: MakeRepo, tmp_path: Path) -> None:
    reading = read(make_repo, tmp_path, Split.TRAIN)
    assert reading.passed, [t.message for t in reading.tests]  # the visible cases: answered, as bare


@pytest.mark.parametrize("outcomes_only", [False, True], ids=["rewritten asserts", "plain asserts"])
def test_a_test_module_imported_by_name_is_a_read_of_its_file(
    make_repo: MakeRepo, tmp_path: Path, outcomes_only: bool
) -> None:
    """Through pytest's rewriting import hook (`fit`) or the interpreter's own importer (`check`,
    which reads outcomes only and runs plain asserts)."""
    reading = read(make_repo, tmp_path, Split.VALIDATION, FROM_A_NEW_IMPORT, outcomes_only=outcomes_only)
    assert not reading.passed
    assert reading.findings[0].rule == "tampered" and "read of the test file tests/test_calc.py" in (
        reading.findings[0].message
    )
