"""A split's shares are shares of the cases pytest collects, not of units: a test parametrized by a
fixture moves whole with all its cases, a table's row weighs the cases of every test it feeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from codefit.gate.collected import module_cases, read_cases
from codefit.gate.split import plan_split

# 30 cases: a fixture-parametrized test (12), a table two tests use (4 rows, 8 cases), ten plain tests.
SUITE = """import pytest

from calc import add


@pytest.fixture(params=range(12))
def number(request):
    return request.param


def test_fixture_cases(number):
    assert add(number, 0) == number


ROWS = [(1, 2, 3), (2, 2, 4), (3, 3, 6), (4, 4, 8)]


@pytest.mark.parametrize(("a", "b", "total"), ROWS)
def test_add(a, b, total):
    assert add(a, b) == total


@pytest.mark.parametrize(("a", "b", "total"), ROWS)
def test_add_swapped(a, b, total):
    assert add(b, a) == total
""" + "".join(f"\n\ndef test_plain_{i}():\n    assert add({i}, 1) == {i + 1}\n" for i in range(10))

IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def repo_with_suite(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests" / "test_calc.py").write_text(SUITE)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        subprocess.run(cmd, cwd=root, check=True, env={**IDENTITY, "PATH": "/usr/bin:/bin"})
    return root


def collected(root: Path) -> dict[str, dict[str, int]]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return read_cases(done.stdout)


def test_node_ids_are_counted_per_test_and_matched_below_a_lower_rootdir() -> None:
    output = "\n".join(
        [
            "tests/test_a.py::test_f[1]",
            "tests/test_a.py::test_f[2-x::y]",
            "tests/test_a.py::TestK::test_m",
            "tests/test_a.py::TestK::Inner::test_n[a]",
            "",
            "3 tests collected in 0.01s",
        ]
    )
    counts = read_cases(output)
    assert counts == {"tests/test_a.py": {"test_f": 2, "TestK.test_m": 1, "TestK.Inner.test_n": 1}}
    # ids relative to a rootdir of tests/ name the same module
    assert module_cases(read_cases("test_a.py::test_f[1]"), "tests/test_a.py") == {"test_f": 1}
    assert module_cases(counts, "tests/test_b.py") is None


def test_shares_are_counted_in_cases_where_the_suite_is_collected(tmp_path: Path) -> None:
    root = repo_with_suite(tmp_path)
    cases = collected(root)
    assert sum(cases["tests/test_calc.py"].values()) == 30
    for seed in range(8):
        by_cases = plan_split(root, [Path("tests")], validation=0.2, test=0.1, seed=seed, cases=cases)
        (module,) = by_cases.modules
        assert module.cases is not None and module.cases["all"] == 30
        # within one case of 6 and of 3; the fixture's 12 cases never move (one unit of 15)
        assert abs(module.cases["validation"] - 6) <= 1, (seed, module.moved)
        assert abs(module.cases["test"] - 3) <= 1, (seed, module.moved)
        assert "test_fixture_cases" not in module.moved["validation"] + module.moved["test"]
        # each row of ROWS weighs two cases (two tests read it)
        moved = module.moved["validation"] + module.moved["test"]
        rows = [label for label in moved if label.startswith("ROWS[")]
        plain = [label for label in moved if label.startswith("test_plain")]
        assert 2 * len(rows) + len(plain) == module.cases["validation"] + module.cases["test"]
    # without the collection, every unit weighs one: 15 units, 3 and 2 of them
    (units,) = plan_split(root, [Path("tests")], validation=0.2, test=0.1, seed=0).modules
    assert units.cases is None and (len(units.moved["validation"]), len(units.moved["test"])) == (3, 2)


def test_a_module_keeps_a_visible_case_whatever_the_shares(tmp_path: Path) -> None:
    root = repo_with_suite(tmp_path)
    cases = collected(root)
    (module,) = plan_split(root, [Path("tests")], validation=0.6, test=0.39, seed=1, cases=cases).modules
    assert module.cases is not None
    assert module.cases["validation"] + module.cases["test"] < module.cases["all"]


def test_a_module_of_one_unit_is_said_to_stay_visible(tmp_path: Path) -> None:
    """dateutil's `test_import_star.py` (one test) was neither moved nor named: the counts shown
    did not add up to the suite."""
    root = repo_with_suite(tmp_path)
    (root / "tests" / "test_single.py").write_text("def test_only():\n    assert True\n")
    plan = plan_split(root, [Path("tests")], validation=0.2, test=0.1, seed=0)
    assert plan.kept["tests/test_single.py"].startswith("one unit: kept whole in the visible suite")
    assert "tests/test_single.py" not in [m.path for m in plan.modules]


def test_the_command_collects_the_suite_and_shows_cases(tmp_path: Path) -> None:
    root = repo_with_suite(tmp_path)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run(
        [sys.executable, "-m", "codefit", "split", "--dry-run", "--seed", "2"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tests/test_calc.py: 15 units (30 cases); validation " in done.stdout, done.stdout
    assert "in cases: validation 6, test 3, visible 21" in done.stdout, done.stdout
    # a suite that does not collect is split by units, and says so
    (root / "tests" / "conftest.py").write_text("raise RuntimeError('broken conftest')\n")
    command = [sys.executable, "-m", "codefit", "split", "--dry-run"]
    broken = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    assert broken.returncode == 0, broken.stdout + broken.stderr
    assert "could not collect the suite, so shares are counted in units" in broken.stdout
    assert "tests/test_calc.py: 15 units; validation 3, test 2" in broken.stdout, broken.stdout


def test_a_suite_larger_than_a_confined_runs_output_is_counted_whole(tmp_path: Path) -> None:
    """40,000 node ids are more than the output a confined run keeps (a megabyte): the ids come
    through a file, and every module of the suite is counted."""
    root = repo_with_suite(tmp_path)
    (root / "tests" / "test_big.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('i', range(40000))\n"
        + "def test_many(i):\n    assert i >= 0\n"
        + "".join(f"\n\ndef test_plain_{i}():\n    assert True\n" for i in range(4))
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    command = [sys.executable, "-m", "codefit", "split", "--dry-run"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tests/test_big.py: 5 units (40004 cases)" in done.stdout, done.stdout
    assert "tests/test_calc.py: 15 units (30 cases)" in done.stdout, done.stdout
