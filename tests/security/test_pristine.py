"""The pristine grader: what the optimizer added to change how tests run is undone before grading."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import Outcome, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.pristine import make_pristine
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo

FORCE_PASS_CONFTEST = """\
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
"""

BASE = {
    "src/calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 1) == 2\n",
    "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\npythonpath = ["src"]\n',
}
HELDOUT = (
    "from calc import add\n\n"
    "def test_add_more():\n    assert add(2, 3) == 5\n\n"
    "def test_add_zero():\n    assert add(0, 4) == 4\n"
)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def base_of(files: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda rel: files.get(rel)


def test_added_harness_files_are_removed_and_changed_ones_restored(tmp_path: Path) -> None:
    base = {**BASE, "tests/conftest.py": "FIXTURE = 1\n", "setup.cfg": "[metadata]\nname = calc\n"}
    write(tmp_path, base)
    write(
        tmp_path,
        {
            "conftest.py": FORCE_PASS_CONFTEST,
            "tests/conftest.py": FORCE_PASS_CONFTEST,
            "pytest.ini": "[pytest]\naddopts = -k nothing\n",
            "setup.cfg": "[metadata]\nname = calc\n\n[tool:pytest]\naddopts = -p no:python\n",
            "src/hack.pth": "import os\n",
            "src/sitecustomize.py": "import os\n",
            "src/json.py": "dumps = None\n",
            "src/pytest/__init__.py": "raise SystemExit(0)\n",
        },
    )
    touched = make_pristine(tmp_path, base_of(base))
    assert sorted(touched) == sorted(
        [
            "conftest.py",
            "tests/conftest.py",
            "pytest.ini",
            "setup.cfg",
            "src/hack.pth",
            "src/sitecustomize.py",
            "src/json.py",
            "src/pytest/__init__.py",
        ]
    )
    assert not (tmp_path / "conftest.py").exists()
    assert (tmp_path / "tests/conftest.py").read_text() == "FIXTURE = 1\n"
    assert (tmp_path / "setup.cfg").read_text() == base["setup.cfg"]
    assert not (tmp_path / "src/json.py").exists()


def test_legitimate_changes_are_kept(tmp_path: Path) -> None:
    base = {**BASE, "src/pkg/__init__.py": ""}
    write(tmp_path, base)
    changed = {
        "src/calc.py": "def add(a, b):\n    return a + b\n",
        "pyproject.toml": BASE["pyproject.toml"].replace('name = "calc"', 'name = "calc"\nversion = "2"'),
        "src/pkg/json.py": "def dumps(x):\n    return str(x)\n",  # inside a package: shadows nothing
        "src/helpers.py": "X = 1\n",
    }
    write(tmp_path, changed)
    assert make_pristine(tmp_path, base_of(base)) == []
    for rel, text in changed.items():
        assert (tmp_path / rel).read_text() == text


def test_changed_pytest_table_in_pyproject_is_restored(tmp_path: Path) -> None:
    write(tmp_path, BASE)
    hacked = BASE["pyproject.toml"].replace('pythonpath = ["src"]', 'pythonpath = ["src"]\naddopts = "-x"')
    (tmp_path / "pyproject.toml").write_text(hacked)
    assert make_pristine(tmp_path, base_of(BASE)) == ["pyproject.toml"]
    assert (tmp_path / "pyproject.toml").read_text() == BASE["pyproject.toml"]


def test_symlinked_conftest_is_never_trusted(tmp_path: Path) -> None:
    base = {**BASE, "conftest.py": "X = 1\n"}
    write(tmp_path, base)
    (tmp_path / "src/evil.py").write_text(FORCE_PASS_CONFTEST)
    (tmp_path / "conftest.py").unlink()
    (tmp_path / "conftest.py").symlink_to(tmp_path / "src/evil.py")
    assert make_pristine(tmp_path, base_of(base)) == ["conftest.py"]
    assert not (tmp_path / "conftest.py").is_symlink()
    assert (tmp_path / "conftest.py").read_text() == "X = 1\n"


def _grade_candidate(make_repo: MakeRepo, tmp_path: Path, candidate: dict[str, str]) -> tuple[Workspace, str]:
    repo = make_repo(BASE)
    ws = Workspace.create(repo, tmp_path / "ws")
    write(ws.path, candidate)
    commit = ws.snapshot("candidate")
    return ws, commit


def _holdout_sensor(tmp_path: Path) -> PytestSensor:
    hidden = tmp_path / "hidden"
    write(hidden, {"test_holdout.py": HELDOUT})
    settings = SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION, path=hidden)
    return PytestSensor(settings, PytestOptions(test_timeout=10))


def test_conftest_forcing_passes_passes_no_heldout_test(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws, commit = _grade_candidate(make_repo, tmp_path, {"conftest.py": FORCE_PASS_CONFTEST})
    sensor = _holdout_sensor(tmp_path)
    ctx = SensorContext(python=sys.executable)

    # Control: graded in place, the conftest really does turn the failures into passes.
    from codefit.workspace.grading import materialize_heldout

    materialize_heldout(sensor.settings, ws.path)
    assert sensor.read(ws.path, ctx).counts.passed == 2

    (reading,) = grade(ws, commit, [sensor], ctx)
    assert reading.counts.total == 2
    assert reading.counts.passed == 0
    assert not reading.passed


def test_exit_zero_before_assertions_passes_no_heldout_test(make_repo: MakeRepo, tmp_path: Path) -> None:
    cheat = "import os\n\ndef add(a, b):\n    os._exit(0)\n"
    ws, commit = _grade_candidate(make_repo, tmp_path, {"src/calc.py": cheat})
    (reading,) = grade(ws, commit, [_holdout_sensor(tmp_path)], SensorContext(python=sys.executable))
    assert reading.counts.passed == 0
    assert all(t.outcome == Outcome.ERROR for t in reading.tests)
    assert not reading.passed


def test_honest_fix_passes_heldout_tests_under_the_pristine_grader(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws, commit = _grade_candidate(make_repo, tmp_path, {"src/calc.py": "def add(a, b):\n    return a + b\n"})
    (reading,) = grade(ws, commit, [_holdout_sensor(tmp_path)], SensorContext(python=sys.executable))
    assert reading.passed and reading.counts.passed == 2
