"""Blind splits read in one pytest process (`codefit check`): each reading is what its sensor alone
would have read, and nothing of one split reaches another's reading."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.sensors.pytest_shared import WITHHELD, can_share
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo

BASE = {
    "calc.py": "def double(x):\n    return x * 2\n\ndef half(x):\n    return x // 2\n",
    "tests/test_calc.py": "from calc import double\n\ndef test_visible():\n    assert double(1) == 2\n",
}
VALIDATION = {
    "tests/test_calc_validation.py": "from calc import double\n\n"
    "def test_double_two():\n    assert double(2) == 4\n\n"
    "def test_double_three():\n    assert double(3) == 6\n",
}
TEST = {
    "tests/test_calc_test.py": "from calc import half\n\n"
    "def test_half_odd_secret():\n    assert half(5) == 2.5\n\n"
    "def test_half_even():\n    assert half(4) == 2\n",
}


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The args of every pytest process the sensors start."""
    seen: list[list[str]] = []
    launch = PytestSensor.launch

    def counted(self: PytestSensor, tree: Path, ctx: SensorContext, args: list[str], *rest: object) -> object:
        seen.append(list(args))
        return launch(self, tree, ctx, args, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(PytestSensor, "launch", counted)
    yield seen


def sensor(tmp_path: Path, name: str, split: Split, files: dict[str, str], **options: object) -> PytestSensor:
    hidden = tmp_path / f"hidden-{name}"
    for rel, text in files.items():
        (hidden / rel).parent.mkdir(parents=True, exist_ok=True)
        (hidden / rel).write_text(text)
    settings = SensorSettings(name=name, kind="pytest", split=split, path=hidden, dest=".")
    return PytestSensor(settings, PytestOptions(args=options.pop("args", sorted(files)), **options))  # type: ignore[arg-type]


def blind(tmp_path: Path, **test_options: object) -> list[PytestSensor]:
    return [
        sensor(tmp_path, "val", Split.VALIDATION, VALIDATION),
        sensor(tmp_path, "final", Split.TEST, TEST, **test_options),
    ]


def graded(
    make_repo: MakeRepo,
    tmp_path: Path,
    sensors: list[PytestSensor],
    base: dict[str, str] = BASE,
    shared: bool = True,
    candidate: dict[str, str] | None = None,
) -> list[Reading]:
    ws = Workspace.create(make_repo(base, name=f"repo-{tmp_path.name}"), tmp_path / "ws")
    for rel, text in (candidate or {}).items():
        (ws.path / rel).write_text(text)
    commit = ws.snapshot("candidate") if candidate else ws.base
    return grade(ws, commit, sensors, SensorContext(python=sys.executable), shared=shared)


def outcomes(reading: Reading) -> dict[str, str]:
    return {t.nodeid: t.outcome.value for t in reading.tests}


def test_both_splits_read_in_one_process_as_each_would_alone(
    make_repo: MakeRepo, tmp_path: Path, launches: list[list[str]]
) -> None:
    together = graded(make_repo, tmp_path / "a", blind(tmp_path / "a"))
    assert len(launches) == 1 and sorted(launches[0]) == sorted([*VALIDATION, *TEST])
    alone = graded(make_repo, tmp_path / "b", blind(tmp_path / "b"), shared=False)
    assert len(launches) == 3
    assert [outcomes(r) for r in together] == [outcomes(r) for r in alone]
    validation, test = together
    assert validation.passed and validation.counts.total == 2
    assert not test.passed and test.counts.failed == 1 and test.counts.total == 2


def test_no_split_learns_the_other_ones_tests(make_repo: MakeRepo, tmp_path: Path) -> None:
    validation, test = graded(make_repo, tmp_path, blind(tmp_path))
    seen = validation.model_dump_json()
    assert "secret" not in seen and "half" not in seen
    assert validation.output == test.output == WITHHELD
    assert "secret" in test.model_dump_json()


def test_a_conftest_error_above_both_splits_reaches_both(make_repo: MakeRepo, tmp_path: Path) -> None:
    broken = {**BASE, "tests/conftest.py": "raise RuntimeError('broken fixture module')\n"}
    validation, test = graded(make_repo, tmp_path, blind(tmp_path), base=broken)
    alone = graded(make_repo, tmp_path / "alone", blind(tmp_path / "alone"), base=broken, shared=False)
    assert not validation.passed and not test.passed
    assert (validation.error, test.error) == (alone[0].error, alone[1].error)


def test_tampering_in_the_shared_process_fails_both(make_repo: MakeRepo, tmp_path: Path) -> None:
    walk = BASE["calc.py"].replace(
        "    return x // 2\n", "    __import__('gc').get_objects()\n    return x // 2\n"
    )
    validation, test = graded(make_repo, tmp_path, blind(tmp_path), candidate={"calc.py": walk})
    for reading in (validation, test):
        assert not reading.passed
        assert reading.findings[0].rule == "tampered" and "gc.get_objects" in reading.findings[0].message


def test_names_a_rootdir_gives_otherwise_make_each_split_read_alone(
    make_repo: MakeRepo, tmp_path: Path, launches: list[list[str]]
) -> None:
    # pytest names tests from the rootdir (here tests/, by its ini file), not as the args name them.
    rooted = {**BASE, "tests/pytest.ini": "[pytest]\n"}
    validation, test = graded(make_repo, tmp_path, blind(tmp_path), base=rooted)
    assert len(launches) == 3  # the shared process, whose names no sensor owned, then each alone
    assert validation.passed and validation.counts.total == 2
    assert not test.passed and test.counts.total == 2


@pytest.mark.parametrize(
    ("test_options", "why"),
    [
        ({"test_timeout": 3.0}, "options differ"),
        ({"args": ["tests"]}, "one path holds the other's"),
        ({"args": ["-k", "half", "tests/test_calc_test.py"]}, "their pytest options differ"),
        ({"args": ["tests/test_calc_test.py::test_half_even"]}, "an arg is a node id"),
    ],
)
def test_sensors_that_would_not_run_alike_do_not_share(
    tmp_path: Path, test_options: dict[str, object], why: str
) -> None:
    assert can_share(blind(tmp_path)), "the plain case shares"
    assert not can_share(blind(tmp_path / why.replace(" ", "-"), **test_options)), why


def test_sensors_with_the_same_pytest_options_share_one_process_with_them_once(
    make_repo: MakeRepo, tmp_path: Path, launches: list[list[str]]
) -> None:
    # As `codefit split` writes them for a src-layout project: the train sensor's options, then files.
    options = ["-o", "pythonpath=.", "-p", "no:randomly", "--tb=line"]
    sensors = [
        sensor(tmp_path, "val", Split.VALIDATION, VALIDATION, args=[*options, *sorted(VALIDATION)]),
        sensor(tmp_path, "final", Split.TEST, TEST, args=[*options, *sorted(TEST)]),
    ]
    assert can_share(sensors)
    validation, test = graded(make_repo, tmp_path, sensors)
    assert launches == [[*options, *sorted(VALIDATION), *sorted(TEST)]]
    assert validation.passed and validation.counts.total == 2
    assert not test.passed and test.counts.total == 2


def test_an_option_whose_value_could_name_tests_keeps_the_sensors_apart(tmp_path: Path) -> None:
    # A plugin's `--flag VALUE` is read by pytest as an option and its value; codefit cannot tell.
    unknown = ["--a-plugins-option", "tests"]
    sensors = [
        sensor(tmp_path, "val", Split.VALIDATION, VALIDATION, args=[*unknown, *sorted(VALIDATION)]),
        sensor(tmp_path, "final", Split.TEST, TEST, args=[*unknown, *sorted(TEST)]),
    ]
    assert not can_share(sensors)


def test_a_train_sensor_never_shares(tmp_path: Path) -> None:
    train = PytestSensor(
        SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests/test_calc.py"])
    )
    assert not can_share([train, blind(tmp_path)[0]])
