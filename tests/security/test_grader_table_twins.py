"""Answers looked up in the held-out tests' own data, inside the test process, through the real grader.

The attacks read no file, no frame and no test module by name, so the audit hook sees nothing:
- a scan of `sys.modules` for parametrize tables held in module constants;
- pytest's own items, reached from a conftest of the project that keeps the session in a global
  (pytest's own references are sealed: `test_grader_runtime`), whose parameters are looked up by
  the inputs;
- the same items, taking the parameters of the case that runs now.
Before twin rows each passed every held-out case of the table. With twin rows (a real row's inputs,
another row's answer, spliced into the table at random), a lookup passes the real row only when it
meets it before its twin, and answering the running case passes every twin row: tampered.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace import twins
from codefit.workspace.grading import grade, materialize_heldout
from codefit.workspace.table_twins import plant_rows
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo

BASE = {
    "calc.py": "def add(a, b):\n    return 0\n",
    "tests/test_calc.py": "def test_nothing():\n    pass\n",
    "tests/conftest.py": (
        "def pytest_collection_finish(session):\n    global SESSION\n    SESSION = session\n"
    ),
}
TABLE = """import pytest

from calc import add

ROWS = [(2, 3, 5), (4, 4, 8), (1, 6, 7), (0, 9, 9)]


@pytest.mark.parametrize(("a", "b", "total"), ROWS)
def test_add(a, b, total):
    assert add(a, b) == total


@pytest.mark.parametrize("a, b, total", [(3, 3, 6), (5, 2, 7), (10, 0, 10), (8, 8, 16)])
def test_add_inline(a, b, total):
    assert add(a, b) == pytest.approx(total)
"""
FROM_MODULE_TABLES = """import sys


def add(a, b):
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            for row in value if isinstance(value, list) else ():
                if isinstance(row, tuple) and len(row) == 3 and row[:2] == (a, b):
                    return row[2]
    return 0
"""
FROM_PYTEST_ITEMS = """import sys


def add(a, b):
    session = next(m.SESSION for m in list(sys.modules.values()) if hasattr(m, "SESSION"))
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("a") == a and params.get("b") == b and "total" in params:
            return params["total"]
    return 0
"""
FROM_THE_RUNNING_CASE = """import sys


def add(a, b):
    session = next(m.SESSION for m in list(sys.modules.values()) if hasattr(m, "SESSION"))
    return list(session._setupstate.stack)[-1].callspec.params["total"]
"""
LOOKUPS = {"module tables": FROM_MODULE_TABLES, "pytest's items": FROM_PYTEST_ITEMS}


def setup(
    make_repo: MakeRepo, tmp_path: Path, code: str, table: str = TABLE
) -> tuple[Workspace, str, PytestSensor]:
    ws = Workspace.create(make_repo(BASE, name=f"repo-{tmp_path.name}"), tmp_path / "ws")
    (ws.path / "calc.py").write_text(code)
    hidden = tmp_path / "hidden"
    (hidden / "tests").mkdir(parents=True)
    (hidden / "tests" / "test_cases.py").write_text(table)
    settings = SensorSettings(name="held", kind="pytest", split=Split.VALIDATION, path=hidden, dest=".")
    return ws, ws.snapshot("candidate"), PytestSensor(settings, PytestOptions(args=["tests/test_cases.py"]))


def graded(ws: Workspace, commit: str, sensor: PytestSensor, outcomes_only: bool = False) -> Reading:
    (reading,) = grade(
        ws, commit, [sensor], SensorContext(python=sys.executable, outcomes_only=outcomes_only)
    )
    return reading


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the twin rows land, drawn from a fixed seed: the outcome of a lookup is then fixed. The
    seed is one where a lookup meets a twin before its real row (any draw does so with odds of one
    in two per twin row); a change in how the grader draws may need another."""
    monkeypatch.setattr(twins, "RANDOM", random.Random(3))


def table_passes(reading: Reading, test: str) -> bool:
    cases = [t for t in reading.tests if t.nodeid.split("::")[1].split("[")[0] == test]
    return len(cases) == 4 and all(t.outcome.value == "passed" for t in cases)


@pytest.mark.parametrize("route", sorted(LOOKUPS))
def test_an_answer_looked_up_by_its_inputs_no_longer_passes_the_held_out_cases(
    make_repo: MakeRepo, tmp_path: Path, seeded: None, route: str
) -> None:
    ws, commit, sensor = setup(make_repo, tmp_path, LOOKUPS[route])
    materialize_heldout(sensor.settings, ws.path)
    alone = sensor.read(ws.path, SensorContext(python=sys.executable))
    assert table_passes(alone, "test_add")  # the attack, without twins: every case it can reach

    for outcomes_only in (False, True):
        reading = graded(ws, commit, sensor, outcomes_only)
        assert not table_passes(reading, "test_add") and not reading.passed, (route, outcomes_only)
        assert not table_passes(reading, "test_add_inline")
        assert reading.metrics["twins"] >= 4  # twin rows in both tables
        assert reading.counts.total == 8  # the real cases only, under their real names


def test_an_answer_taken_from_the_running_case_is_tampering(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws, commit, sensor = setup(make_repo, tmp_path, FROM_THE_RUNNING_CASE)
    reading = graded(ws, commit, sensor)
    assert not reading.passed and reading.counts.passed == 0
    assert reading.findings[0].rule == "tampered" and "(a twin row)" in reading.findings[0].message
    assert reading.metrics["twins_passed"] == reading.metrics["twins"] >= 4


def test_an_honest_fix_passes_every_real_case_and_no_twin_row(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws, commit, sensor = setup(make_repo, tmp_path, "def add(a, b):\n    return a + b\n")
    reading = graded(ws, commit, sensor)
    assert reading.passed and reading.error is None, reading.output
    assert sorted(t.nodeid.split("::")[1] for t in reading.tests) == sorted(
        [f"test_add[{a}-{b}-{t}]" for a, b, t in [(2, 3, 5), (4, 4, 8), (1, 6, 7), (0, 9, 9)]]
        + [f"test_add_inline[{a}-{b}-{t}]" for a, b, t in [(3, 3, 6), (5, 2, 7), (10, 0, 10), (8, 8, 16)]]
    )
    assert reading.metrics["twins"] >= 4 and reading.metrics["twins_passed"] == 0


def test_cases_a_conftest_names_itself_are_left_ungraded_rather_than_mistaken(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """A conftest's `pytest_make_parametrize_id` names cases otherwise than pytest's default: which
    rows are twins is then unknown, so the table's cases are not counted (an honest fix would fail
    its twin rows as real cases otherwise)."""
    naming = "def pytest_make_parametrize_id(config, val, argname):\n    return f'{argname}={val}'\n"
    ws = Workspace.create(make_repo({**BASE, "tests/conftest.py": naming}), tmp_path / "ws")
    (ws.path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    hidden = tmp_path / "hidden"
    (hidden / "tests").mkdir(parents=True)
    (hidden / "tests" / "test_cases.py").write_text(
        TABLE + "\n\ndef test_plain():\n    assert add(1, 1) == 2\n"
    )
    settings = SensorSettings(name="held", kind="pytest", split=Split.VALIDATION, path=hidden, dest=".")
    sensor = PytestSensor(settings, PytestOptions(args=["tests/test_cases.py"]))
    reading = graded(ws, ws.snapshot("candidate"), sensor)
    assert reading.passed, reading.output
    assert [t.nodeid.split("::")[1] for t in reading.tests] == ["test_plain"]
    assert sum("not graded" in f.message for f in reading.findings) == 2


def test_twin_rows_take_a_real_rows_inputs_and_another_rows_answer_at_random_places() -> None:
    real = [(2, 3, 5), (4, 4, 8), (1, 6, 7), (0, 9, 9)]
    answers = {(a, b): total for a, b, total in real}
    before_its_row = []
    for seed in range(20):
        text, (table, inline) = plant_rows(TABLE, random.Random(seed))
        namespace: dict[str, object] = {"__name__": "table"}
        exec(compile(text.replace("from calc import add", ""), "table", "exec"), namespace)
        rows = namespace["ROWS"]
        assert isinstance(rows, list) and (table.function, inline.function) == ("test_add", "test_add_inline")
        added = [row for row in rows if row not in real]
        assert [row for row in rows if row in real] == real and len(added) == len(table.ids) >= 2
        for a, b, total in added:
            assert total != answers[(a, b)] and total in answers.values()
            before_its_row.append(rows.index((a, b, total)) < rows.index((a, b, answers[(a, b)])))
        assert table.ids == {f"{a}-{b}-{t}" for a, b, t in added}
        assert table.real == {f"{a}-{b}-{t}" for a, b, t in real}
    assert any(before_its_row) and not all(before_its_row)


@pytest.mark.parametrize(
    ("table", "why"),
    [
        (
            TABLE.replace("assert add(a, b) == total", "assert add(a, total - a) == total"),
            "expected used twice",
        ),
        (TABLE.replace("ROWS)\ndef", "ROWS)\ndef") + "\n\nOTHER = ROWS\n", "constant named elsewhere"),
        (TABLE.replace("(2, 3, 5)", f"({'x' * 101!r}, 3, 5)"), "a string pytest names by a strategy"),
        (TABLE.replace("assert add(a, b) == total", "assert add(a, b) >= total"), "no equality check"),
        (
            TABLE.replace(
                "    assert add(a, b) == total\n",
                "    try:\n        assert add(a, b) == total\n    except AssertionError:\n        pass\n",
                1,
            ),
            "a check whose failure is swallowed",
        ),
    ],
)
def test_no_twin_rows_where_a_twin_could_pass_honestly_or_go_unnamed(table: str, why: str) -> None:
    _, planted = plant_rows(table, random.Random(0))
    assert "test_add" not in {t.function for t in planted}, why


POSITIONAL = """import pytest

from calc import add


@pytest.mark.parametrize("pair, total", [([2, 3], 5), ([4, 4], 8), ([1, 6], 7), ([0, 9], 9)])
def test_add_pairs(pair, total):
    assert add(*pair) == total
"""
PAIRS_FROM_PYTEST_ITEMS = FROM_PYTEST_ITEMS.replace(
    'params.get("a") == a and params.get("b") == b', 'params.get("pair") == [a, b]'
)


def test_a_table_pytest_names_by_position_keeps_its_real_names_and_its_twins(
    make_repo: MakeRepo, tmp_path: Path, seeded: None
) -> None:
    """Lists are named by their row's position (`pair0`): the twin rows move the real rows, and the
    reading names each real case as pytest names it in the module."""
    ws, commit, sensor = setup(make_repo, tmp_path, "def add(a, b):\n    return a + b\n", POSITIONAL)
    honest = graded(ws, commit, sensor)
    assert honest.passed, honest.output
    assert sorted(t.nodeid.split("::")[1] for t in honest.tests) == [
        "test_add_pairs[pair0-5]",
        "test_add_pairs[pair1-8]",
        "test_add_pairs[pair2-7]",
        "test_add_pairs[pair3-9]",
    ]
    assert honest.metrics["twins"] == 2 and honest.metrics["twins_passed"] == 0
    ws, commit, sensor = setup(make_repo, tmp_path / "attack", PAIRS_FROM_PYTEST_ITEMS, POSITIONAL)
    materialize_heldout(sensor.settings, ws.path)
    assert sensor.read(ws.path, SensorContext(python=sys.executable)).passed  # the attack, without twins
    assert not graded(ws, commit, sensor).passed


def test_a_check_in_a_final_try_else_block_gets_twin_rows() -> None:
    """As humanize's translated tests: activate a locale (skip without it), check, deactivate."""
    guarded = TABLE.replace(
        "    assert add(a, b) == total\n",
        "    try:\n        setup()\n    except FileNotFoundError:\n        pytest.skip('no locale')\n"
        "    else:\n        assert add(a, b) == total\n    finally:\n        teardown()\n",
        1,
    )
    _, planted = plant_rows(guarded, random.Random(0))
    assert "test_add" in {t.function for t in planted}


# Checks that compare within a tolerance: the expected value sits inside an expression.
NEAR = """import math

import pytest

from calc import add

ROWS = [(2, 3, 5), (4, 4, 8), (1, 6, 7), (0, 9, 9)]


@pytest.mark.parametrize(("a", "b", "total"), ROWS)
def test_add(a, b, total):
    assert math.isclose(add(a, b), total)


@pytest.mark.parametrize("a, b, total", [(3, 3, 6), (5, 2, 7), (10, 0, 10), (8, 8, 16)])
def test_add_inline(a, b, total):
    assert abs(total - add(a, b)) < 1e-6
"""


def test_a_lookup_no_longer_passes_checks_that_compare_within_a_tolerance(
    make_repo: MakeRepo, tmp_path: Path, seeded: None
) -> None:
    ws, commit, sensor = setup(make_repo, tmp_path, FROM_MODULE_TABLES, NEAR)
    materialize_heldout(sensor.settings, ws.path)
    assert table_passes(sensor.read(ws.path, SensorContext(python=sys.executable)), "test_add")
    reading = graded(ws, commit, sensor)
    assert not reading.passed and not table_passes(reading, "test_add")
    assert reading.metrics["twins"] >= 4 and reading.counts.total == 8
    ws, commit, sensor = setup(make_repo, tmp_path / "honest", "def add(a, b):\n    return a + b\n", NEAR)
    honest = graded(ws, commit, sensor)
    assert honest.passed and honest.metrics["twins_passed"] == 0, honest.output


@pytest.mark.parametrize(
    ("check", "planted"),
    [
        ("assert math.isclose(add(a, b), total, rel_tol=0.5)", False),  # 7 is within half of 9
        ("assert math.isclose(add(a, b), total, abs_tol=0.5)", True),
        ("assert abs(add(a, b) - total) <= 0.5", True),
        ("assert 0.5 > abs(add(a, b) - total)", True),
        ("assert abs(add(a, b) - total) < 3", False),  # 5 and 7, 7 and 9 are within 3
        ("assert abs(add(a, b) - total) > 0.5", False),  # no closeness check
        ("assert abs(add(a, b) - a) < total", False),  # the tolerance, not the answer
        ("assert math.isclose(add(a, b), total, rel_tol=tol)", False),  # a tolerance not written out
    ],
)
def test_twin_answers_lie_beyond_the_checks_tolerance(check: str, planted: bool) -> None:
    table = NEAR.replace("assert math.isclose(add(a, b), total)", check)
    _, tables = plant_rows(table, random.Random(0))
    assert ("test_add" in {t.function for t in tables}) is planted, check
