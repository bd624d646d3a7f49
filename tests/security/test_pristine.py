"""The pristine grader: what the optimizer added to change how tests run is undone before grading."""

from __future__ import annotations

import py_compile
import sys
from pathlib import Path

from codefit.sensors.base import Outcome, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.pristine import make_pristine, strip_bytecode
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo, run_git

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
    return lambda rel: files[rel].encode() if rel in files else None


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


def test_committed_bytecode_cannot_stand_in_for_the_candidates_source(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo(BASE)
    # An unchecked-hash pyc of a correct add, committed beside a buggy calc.py (git add -f): a
    # checkpoint never takes bytecode, so it comes with the base tree here.
    correct = tmp_path / "correct" / "calc.py"
    correct.parent.mkdir()
    correct.write_text("def add(a, b):\n    return a + b\n")
    pyc = repo / "src" / "__pycache__" / f"calc.{sys.implementation.cache_tag}.pyc"
    pyc.parent.mkdir()
    py_compile.compile(
        str(correct), cfile=str(pyc), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    run_git(repo, "add", "-f", str(pyc))
    run_git(repo, "commit", "-q", "-m", "bytecode")
    ws = Workspace.create(repo, tmp_path / "ws")
    commit = ws.snapshot("bytecode")
    sensor = _holdout_sensor(tmp_path)
    ctx = SensorContext(python=sys.executable)

    # Control: graded in place, the pyc is imported instead of the buggy source.
    from codefit.workspace.grading import materialize_heldout

    materialize_heldout(sensor.settings, ws.path)
    assert sensor.read(ws.path, ctx).counts.passed == 2

    (reading,) = grade(ws, commit, [sensor], ctx)
    assert reading.counts.total == 2 and reading.counts.passed == 0


def test_strip_bytecode_removes_caches_stray_pyc_and_linked_caches(tmp_path: Path) -> None:
    write(tmp_path, {"src/calc.py": "X = 1\n", "src/__pycache__/calc.cpython-311.pyc": "", "old.pyc": ""})
    (tmp_path / "cache").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__pycache__").symlink_to(tmp_path / "cache")
    assert strip_bytecode(tmp_path) == ["old.pyc", "pkg/__pycache__", "src/__pycache__"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "cache",
        "pkg",
        "src",
        "src/calc.py",
    ]


def test_patching_pytest_from_the_code_under_test_fails_the_heldout_reading(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    cheat = (
        "import importlib\n"
        "importlib.import_module('_py' + 'test.python').Function.runtest = lambda self: None\n\n"
        "def add(a, b):\n    return a - b\n"
    )
    ws, commit = _grade_candidate(make_repo, tmp_path, {"src/calc.py": cheat})
    (reading,) = grade(ws, commit, [_holdout_sensor(tmp_path)], SensorContext(python=sys.executable))
    assert reading.counts.passed == 0 and not reading.passed
    assert reading.error is not None and "_pytest.python.Function.runtest" in reading.error


def test_tests_planted_at_the_heldout_destination_do_not_count(make_repo: MakeRepo, tmp_path: Path) -> None:
    planted = {
        ".codefit-heldout/holdout/test_planted.py": "def test_free():\n    pass\n",
        ".codefit-heldout/holdout/test_holdout.py": "def test_add_more():\n    pass\n",
    }
    ws, commit = _grade_candidate(make_repo, tmp_path, planted)
    (reading,) = grade(ws, commit, [_holdout_sensor(tmp_path)], SensorContext(python=sys.executable))
    assert sorted(t.nodeid.split("::")[1] for t in reading.tests) == ["test_add_more", "test_add_zero"]
    assert reading.counts.passed == 0


def test_a_link_at_the_heldout_destination_cannot_send_the_heldout_tests_out(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo(BASE)
    ws = Workspace.create(repo, tmp_path / "ws")
    drop = tmp_path / "drop"
    drop.mkdir()
    (ws.path / ".codefit-heldout").symlink_to(drop)
    commit = ws.snapshot("link")
    (reading,) = grade(ws, commit, [_holdout_sensor(tmp_path)], SensorContext(python=sys.executable))
    assert reading.counts.total == 2
    assert list(drop.iterdir()) == []
