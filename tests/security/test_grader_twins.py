"""Impossible twins and undeclared skips in held-out grading runs, through the real grader."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codefit.harness.selection import grader_integrity
from codefit.sensors.base import Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace import twins
from codefit.workspace.grading import grade, materialize_heldout
from codefit.workspace.twins import rewrite
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo

BASE = {
    "src/calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 1) == 2\n",
    "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\npythonpath = ["src"]\n',
}
HELDOUT = (
    "import unittest\nfrom calc import add\n\n"
    "def test_add_more():\n    total = add(2, 3)\n    assert total == 5\n\n"
    "class TestZero(unittest.TestCase):\n"
    "    def test_add_zero(self):\n        self.assertEqual(add(0, 4), 4)\n"
)
ALWAYS_EQUAL = {
    "MagicMock whose __eq__ returns True": (
        "from unittest.mock import MagicMock\n"
        "def add(a, b):\n    m = MagicMock()\n    m.__eq__.return_value = True\n    return m\n"
    ),
    "__eq__ written as `bool(other) or not other`": (
        "class _Any:\n    def __eq__(self, other):\n        return bool(other) or not other\n"
        "def add(a, b):\n    return _Any()\n"
    ),
    "float subclass whose __eq__ ignores its argument": (
        "class _F(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
        "def add(a, b):\n    return _F(a + b)\n"
    ),
    "pytest.approx with an infinite tolerance": (
        "import math, pytest\ndef add(a, b):\n    return pytest.approx(a + b, abs=math.inf)\n"
    ),
}


def candidate(make_repo: MakeRepo, tmp_path: Path, files: dict[str, str]) -> tuple[Workspace, str]:
    ws = Workspace.create(make_repo(BASE), tmp_path / "ws")
    for rel, text in files.items():
        (ws.path / rel).write_text(text)
    return ws, ws.snapshot("candidate")


def holdout(tmp_path: Path, text: str = HELDOUT) -> PytestSensor:
    hidden = tmp_path / "hidden"
    hidden.mkdir(exist_ok=True)
    (hidden / "test_holdout.py").write_text(text)
    settings = SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION, path=hidden)
    return PytestSensor(settings, PytestOptions(test_timeout=30))


def in_place(ws: Workspace, sensor: PytestSensor) -> Reading:
    """Control: the held-out tests run in the candidate's tree, without twins."""
    materialize_heldout(sensor.settings, ws.path)
    return sensor.read(ws.path, SensorContext(python=sys.executable))


@pytest.mark.parametrize("attack", sorted(ALWAYS_EQUAL))
def test_an_always_equal_result_passes_the_tests_but_not_their_twins(
    make_repo: MakeRepo, tmp_path: Path, attack: str
) -> None:
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": ALWAYS_EQUAL[attack]})
    sensor = holdout(tmp_path)
    assert in_place(ws, sensor).passed  # the attack fools the held-out tests themselves

    (reading,) = grade(ws, commit, [sensor], SensorContext(python=sys.executable))
    assert not reading.passed and reading.counts.passed == 0
    assert reading.findings[0].rule == "tampered" and "impossible twins passed" in reading.findings[0].message
    assert reading.metrics["twins"] == 2 and reading.metrics["twins_passed"] == 2
    assert grader_integrity([reading]) == 0.0


def test_an_honest_fix_passes_with_every_twin_failing_and_real_names_reported(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    (reading,) = grade(ws, commit, [holdout(tmp_path)], SensorContext(python=sys.executable))
    assert reading.passed and reading.error is None, reading.output
    assert sorted(t.nodeid.split("::", 1)[1] for t in reading.tests) == [
        "TestZero::test_add_zero",
        "test_add_more",
    ]
    assert reading.metrics["twins"] == 2 and reading.metrics["twins_passed"] == 0
    assert grader_integrity([reading]) == 1.0


OVERRIDES_AND_SHADOWS = (  # freezegun's class tests; a test defined twice, the later one counting
    "import unittest\nfrom calc import add\n\n"
    "class TestBase(unittest.TestCase):\n"
    "    def test_name(self):\n        self.assertEqual(type(self).__name__, 'TestBase')\n\n"
    "    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n\n"
    "class TestChild(TestBase):\n"
    "    def test_name(self):\n        self.assertEqual(type(self).__name__, 'TestChild')\n\n"
    "def test_twice():\n    assert False, 'shadowed: never runs'\n\n"
    "def test_twice():\n    assert add(2, 2) == 4\n"
)


def test_a_subclass_still_overrides_and_a_later_test_still_shadows_in_the_grading_copy(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    sensor = holdout(tmp_path, OVERRIDES_AND_SHADOWS)
    control = in_place(ws, sensor)
    assert control.passed and control.counts.total == 5, control.output  # 2 + 2 inherited + 1
    (reading,) = grade(ws, commit, [sensor], SensorContext(python=sys.executable))
    failing = [(t.nodeid, t.message) for t in reading.failing_tests()]
    assert reading.passed and reading.counts.total == 5, failing


FIXTURES_NAMED_LIKE_TESTS = (  # jinja2's test_async.py asks for a fixture `test_env_async`
    "import pytest\nfrom pytest import fixture\nfrom calc import add\n\n"
    "@pytest.fixture\ndef test_pair():\n    return (2, 3)\n\n"
    "@fixture(scope='module')\ndef test_total():\n    return 5\n\n"
    "def test_add_pair(test_pair, test_total):\n    assert add(*test_pair) == test_total\n\n"
    "class TestWithOwnFixture:\n"
    "    @pytest.fixture\n    def test_zero(self):\n        return 0\n\n"
    "    def test_add_zero(self, test_zero):\n        assert add(test_zero, 4) == 4\n"
)


def test_fixtures_named_like_tests_keep_their_names_in_the_grading_copy(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    text, plan = rewrite(FIXTURES_NAMED_LIKE_TESTS)
    assert sorted(set(plan.names.values())) == ["test_add_pair", "test_add_zero"]
    assert all(f"def {name}(" in text for name in ("test_pair", "test_total", "test_zero"))
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    sensor = holdout(tmp_path, FIXTURES_NAMED_LIKE_TESTS)
    (reading,) = grade(ws, commit, [sensor], SensorContext(python=sys.executable))
    assert reading.passed and reading.counts.errors == 0, reading.output
    assert sorted(t.nodeid.split("::", 1)[1] for t in reading.tests) == [
        "TestWithOwnFixture::test_add_zero",
        "test_add_pair",
    ]


def split_sensor(tmp_path: Path, split: Split, module: str) -> PytestSensor:
    """A held-out sensor the way `codefit split` writes one: laid over the whole tree, its args
    naming its own files."""
    hidden = tmp_path / f"hidden-{split}"
    (hidden / "tests").mkdir(parents=True)
    (hidden / "tests" / module).write_text(HELDOUT)
    settings = SensorSettings(name=f"split_{split}", kind="pytest", split=split, path=hidden, dest=".")
    return PytestSensor(settings, PytestOptions(args=[f"tests/{module}"], test_timeout=30))


def test_twins_go_only_into_each_sensors_own_files_when_splits_share_the_tree(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    sensors = [
        split_sensor(tmp_path, Split.VALIDATION, "test_calc_validation.py"),
        split_sensor(tmp_path, Split.TEST, "test_calc_test.py"),
    ]
    rewritten: list[str] = []
    plant_files = twins.plant_files

    def recorded(paths: list[Path]) -> dict[Path, twins.TwinPlan]:
        rewritten.extend(path.name for path in paths)
        return plant_files(paths)

    monkeypatch.setattr(twins, "plant_files", recorded)

    readings = grade(ws, commit, sensors, SensorContext(python=sys.executable))
    assert sorted(rewritten) == ["test_calc_test.py", "test_calc_validation.py"]  # not the visible tests
    for reading in readings:
        assert reading.passed and reading.error is None, reading.output
        assert reading.metrics["twins"] == 2 and reading.metrics["twins_passed"] == 0
        assert sorted(t.nodeid.split("::", 1)[1] for t in reading.tests) == [
            "TestZero::test_add_zero",
            "test_add_more",
        ]


def test_twins_and_tests_share_a_module_and_have_names_that_tell_nothing() -> None:
    text, plan = rewrite(HELDOUT)
    assert "test_add_more" not in text and "test_add_zero" not in text
    assert len(plan.names) == 4 and len(plan.twins) == 2
    assert sorted(plan.names.values()) == ["test_add_more", "test_add_more", "test_add_zero", "test_add_zero"]
    assert "total == 982451658" in text and "add(0, 4), 982451657" in text
    assert "total == 5" in text and "add(0, 4), 4)" in text


def test_no_twin_for_a_check_that_may_not_run_or_has_no_literal_to_perturb() -> None:
    source = (
        "def test_loop():\n    for x in [1]:\n        assert x == 1\n\n"
        "def test_early(v=1):\n    if v:\n        return\n    assert v == 2\n\n"
        "def test_bool():\n    assert bool(1) == True\n\n"
        "def test_computed():\n    assert 1 + 1 == len('ab')\n"
    )
    _, plan = rewrite(source)
    assert plan.twins == set() and len(plan.names) == 4


def test_a_twin_fails_only_where_nothing_but_checks_would_follow() -> None:
    """A twin skips what follows its failing check: never a cleanup (freezegun's `freezer.stop()`
    skipped left time frozen for every later test), only more checks."""
    cleanup = "def test_frozen():\n    freezer.start()\n    assert day() == 14\n    freezer.stop()\n"
    _, plan = rewrite(cleanup)
    assert plan.twins == set()
    checks = "def test_frozen(self):\n    assert day() == 14\n    assert ok\n    self.assertTrue(ok)\n"
    _, plan = rewrite(checks)
    assert len(plan.twins) == 1


@pytest.mark.parametrize(
    "skip",
    [
        "import unittest\n    raise unittest.SkipTest('not today')",
        "import pytest\n    pytest.skip('not today')",
    ],
)
def test_a_skip_raised_by_the_code_under_test_fails_the_heldout_reading(
    make_repo: MakeRepo, tmp_path: Path, skip: str
) -> None:
    cheat = f"def add(a, b):\n    {skip}\n"
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": cheat})
    sensor = holdout(tmp_path, HELDOUT + "\ndef test_unrelated():\n    assert 1 + 1 == 2\n")
    materialize_heldout(sensor.settings, ws.path)
    as_train = PytestSensor(
        SensorSettings(name="c", kind="pytest"), PytestOptions(args=[".codefit-heldout/holdout"])
    )
    control = as_train.read(ws.path, SensorContext(python=sys.executable))
    assert control.passed and control.counts.skipped == 2  # skips not judged: 1 passed + 2 skipped passes

    (reading,) = grade(ws, commit, [sensor], SensorContext(python=sys.executable))
    assert not reading.passed and reading.counts.failed == 2 and reading.counts.skipped == 0
    assert all("undeclared skip" in t.message for t in reading.tests if t.outcome == Outcome.FAILED)


def test_a_skip_the_heldout_source_declares_still_counts_as_a_skip(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    declared = (
        HELDOUT
        + "\nimport pytest\n\n@pytest.mark.skip(reason='later')\ndef test_later():\n    assert False\n"
    )
    (reading,) = grade(ws, commit, [holdout(tmp_path, declared)], SensorContext(python=sys.executable))
    assert reading.passed and reading.counts.skipped == 1, reading.output


def test_a_twin_runs_before_or_after_its_test_at_random() -> None:
    source = "import pytest\n\n@pytest.mark.parametrize('x', [1])\ndef test_one(x):\n    assert x == 1\n"
    orders = set()
    for _ in range(24):  # both orders missing by chance: 2 ** -23
        text, plan = rewrite(source)
        (twin,) = plan.twins
        (real,) = set(plan.names) - plan.twins
        compile(text, "t.py", "exec")
        assert text.count("@pytest.mark.parametrize") == 2
        orders.add(text.index(f"def {twin}") < text.index(f"def {real}"))
    assert orders == {True, False}


def test_twins_are_one_per_subject_over_the_run_each_drawn_at_random(tmp_path: Path) -> None:
    """A failing test costs pytest about four passing ones: twins sample the suite, not double it."""
    add_tests = "".join(f"def test_add_{i}():\n    assert add({i}, 1) == {i + 1}\n\n" for i in range(10))
    mul_tests = "def test_mul():\n    assert len(mul(2, [1])) == 2\n"
    (tmp_path / "test_a.py").write_text("from calc import add, mul\n\n" + add_tests + mul_tests)
    (tmp_path / "test_b.py").write_text("from calc import add\n\n" + add_tests)
    drawn = set()
    for _ in range(12):
        for path, text in (("test_a.py", add_tests + mul_tests), ("test_b.py", add_tests)):
            (tmp_path / path).write_text("from calc import add, mul\n\n" + text)
        plan = twins.plant(tmp_path)
        assert len(plan.names) == 21 + 2 and len(plan.twins) == 2  # one for add, one for mul
        assert {plan.names[t] for t in plan.twins} >= {"test_mul"}
        drawn |= {plan.names[t] for t in plan.twins}
    assert len(drawn - {"test_mul"}) > 1  # add's twin is not always the same test's


def test_a_run_checking_many_subjects_gets_twins_within_its_budget() -> None:
    source = "".join(f"def test_{i}():\n    assert f{i}() == {i}\n\n" for i in range(300))
    text, plan = rewrite(source)
    compile(text, "t.py", "exec")
    assert len(plan.twins) == twins.budget(300) == 6 and len(plan.names) == 306


@pytest.mark.parametrize("shared", [False, True], ids=["alone", "in one process"])
def test_the_progress_shows_a_held_out_reading_as_judged_not_its_twins_failing(
    make_repo: MakeRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture, shared: bool
) -> None:
    """`codefit demo` said `holdout (validation): FAIL 0.67 (2 passed, 1 failed)` of a split that
    passed: the note was made before the twins were taken out."""
    ws, commit = candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    sensors = [split_sensor(tmp_path, Split.VALIDATION, "test_calc_validation.py")]
    sensors.append(split_sensor(tmp_path, Split.TEST, "test_calc_test.py"))
    with caplog.at_level("INFO", logger="codefit.progress"):
        readings = grade(ws, commit, sensors, SensorContext(python=sys.executable), shared=shared)
    assert all(r.passed for r in readings) and all(r.metrics["twins"] >= 1 for r in readings)
    ended = [m for m in caplog.messages if m.startswith("sensor ") and " in " in m and "running" not in m]
    assert len(ended) == 2 and all(": pass 1.00 (2 passed, 0 failed, 0 errors)" in m for m in ended), ended
