"""A confined pytest run sees the tree at the user's repository path, and only there: the paths its
tests build, compare or strip are those of a plain `pytest` in the repository (boltons strips
`BOLTONS_PATH` letter by letter), whichever copy of the tree codefit measures."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import Outcome, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from tests.conftest import needs_bwrap

PROBE = """import os, pathlib

REPO, TREE = {repo!r}, {tree!r}


def test_runs_in_the_repository():
    assert os.getcwd() == REPO


def test_its_files_are_the_repositorys():
    assert pathlib.Path(__file__).resolve() == pathlib.Path(REPO, "tests", "test_paths.py")


def test_the_copys_own_path_shows_nothing():
    assert not os.path.exists(os.path.join(TREE, "tests", "test_paths.py"))


def test_what_it_writes_lands_in_the_copy():
    pathlib.Path("written.txt").write_text("x")
"""


@needs_bwrap
def test_the_tree_is_seen_at_the_repository_path_alone(tmp_path: Path) -> None:
    repo, tree = tmp_path / "user" / "project", tmp_path / "codefit" / "copy"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_paths.py").write_text("def test_users_own_file():\n    assert False\n")
    (tree / "tests").mkdir(parents=True)
    (tree / "tests" / "test_paths.py").write_text(PROBE.format(repo=str(repo), tree=str(tree)))
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    ctx = SensorContext(python=sys.executable, repo=repo, hidden=(repo,))

    reading = sensor.read(tree, ctx)

    assert {t.nodeid.split("::")[1]: t.outcome for t in reading.tests} == {
        "test_runs_in_the_repository": Outcome.PASSED,
        "test_its_files_are_the_repositorys": Outcome.PASSED,
        "test_the_copys_own_path_shows_nothing": Outcome.PASSED,
        "test_what_it_writes_lands_in_the_copy": Outcome.PASSED,
    }, [t.message for t in reading.tests]
    assert (tree / "written.txt").read_text() == "x"
    assert not (repo / "written.txt").exists()  # the user's checkout is never written


def test_without_a_repository_the_tree_runs_where_it_is(tmp_path: Path) -> None:
    here = str(tmp_path.resolve())
    (tmp_path / "test_here.py").write_text(
        f"import os\n\ndef test_here():\n    assert os.path.realpath(os.getcwd()) == {here!r}\n"
    )
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    reading = sensor.read(tmp_path, SensorContext(python=sys.executable))
    assert reading.passed, [t.message for t in reading.tests]


@needs_bwrap
def test_an_interpreter_in_the_repositorys_own_venv_runs_the_tree(tmp_path: Path) -> None:
    """The layout `codefit init` prefers: the project's interpreter in `.venv` inside the repository
    (git-ignored, so no copy of the tree holds it). Bound over the repository path, the tree must
    bring the venv along, or pytest does not start at all (every `codefit check` failed so)."""
    repo, tree = tmp_path / "user" / "project", tmp_path / "codefit" / "copy"
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (tree / "tests").mkdir(parents=True)
    (tree / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    python = str(repo / ".venv" / "bin" / "python")
    reading = sensor.read(tree, SensorContext(python=python, repo=repo, hidden=(repo,)))
    assert reading.error is None, reading.output
    assert [(t.nodeid, t.outcome) for t in reading.tests] == [("tests/test_ok.py::test_ok", Outcome.PASSED)]
    venv = tree / ".venv"
    assert not venv.exists() or not any(venv.iterdir())  # shown, never copied into the tree
