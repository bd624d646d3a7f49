"""`codefit split --verify`: the suite before the split and the split suite run the same cases with
the same outcomes, or the differences are named and the command fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.gate.verify import Verification, name_before_split
from codefit.sensors.base import Outcome

pytestmark = pytest.mark.slow

IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}
HONEST = """import pytest

from calc import add


@pytest.mark.parametrize("a, b, total", [(1, 1, 2), (2, 2, 4), (3, 3, 6), (4, 4, 8), (5, 5, 10)])
def test_add(a, b, total):
    assert add(a, b) == total


@pytest.mark.parametrize("a", [1, 2, 3, 4, 5])
def test_zero(a):
    assert add(a, 0) == a


def test_known_failure():
    assert add(1, 1) == 3
"""
# Each test leaves state the next one needs: whichever moves, one of them fails without the other.
CHAINED = """import calc

LOG = []


def test_first():
    LOG.append(calc.add(1, 1))


def test_second():
    assert LOG == [2]
"""


def _repo(tmp_path: Path, suite: str, *, src: bool = False) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "src").mkdir()
    (root / ("src/calc.py" if src else "calc.py")).write_text("def add(a, b):\n    return a + b\n")
    (root / "tests" / "test_calc.py").write_text(suite)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        subprocess.run(cmd, cwd=root, check=True, env={**os.environ, **IDENTITY})
    return root


def codefit(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CONFIG_HOME": str(repo.parent / "config"), **env},
    )


def test_an_honest_split_is_verified_with_its_failures_as_they_were(tmp_path: Path) -> None:
    repo = _repo(tmp_path, HONEST)
    done = codefit(repo, "split", "--validation", "0.4", "--test", "0.2", "--seal", "--verify")
    assert done.returncode == 0, done.stdout + done.stderr
    # 11 cases: the known failure counts as one whose outcome must stay a failure.
    assert "before the split: 11 cases; after: " in done.stdout
    # As many cases as before, and the share held out of each split, in cases.
    counts = re.search(
        r"after: (\d+) visible, (\d+) validation \((\d+) %\), (\d+) test \((\d+) %\)", done.stdout
    )
    assert counts, done.stdout
    visible, validation, val_share, test, test_share = map(int, counts.groups())
    assert visible + validation + test == 11 and validation > 0 and test > 0
    assert val_share == round(100 * validation / 11) and test_share == round(100 * test / 11)
    assert "verified: every case ran once after the split" in done.stdout
    # The known failure moved to a held-out split (a lone test is dealt first), where no author of a
    # change could see it fail: the user is told.
    assert "def test_known_failure" not in (repo / "tests" / "test_calc.py").read_text()
    assert "1 held-out case(s) fail on the code as it is now" in done.stdout
    assert "  tests/test_calc.py::test_known_failure (failed, " in done.stdout
    again = codefit(repo, "split", "--verify")  # on a split suite: verifies, splits nothing again
    assert again.returncode == 0 and "verified" in again.stdout, again.stdout + again.stderr


def test_a_src_layout_without_a_config_gets_held_out_sensors_that_import_it(tmp_path: Path) -> None:
    # The split writes the starter config (train args `-o pythonpath=src tests`); the held-out
    # sensors need that option too, or every held-out module fails to import the package.
    repo = _repo(tmp_path, HONEST, src=True)
    done = codefit(repo, "split", "--validation", "0.4", "--test", "0.2", "--seal", "--verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified" in done.stdout
    assert (
        'args = ["-o", "pythonpath=src", "tests/test_calc_validation.py"]'
        in (repo / "codefit.toml").read_text()
    )


def test_a_split_that_changes_an_outcome_fails_and_names_the_case(tmp_path: Path) -> None:
    repo = _repo(tmp_path, CHAINED)
    done = codefit(
        repo, "split", "--validation", "0.5", "--test", "0", "--out", str(tmp_path / "held"), "--verify"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "outcome changed:" in done.stdout
    assert "tests/test_calc.py::test_second: passed before, failed after" in done.stdout
    assert "codefit split --undo" in done.stdout  # what to do next


def test_no_key_is_said_before_any_suite_runs(tmp_path: Path) -> None:
    repo = _repo(tmp_path, HONEST)
    key = "qwmVk0bgn5vBIvzJ_5V7cf84R0q-NK0lohpEk2kkJ4U="
    assert codefit(repo, "split", "--seal", CODEFIT_SEAL_KEY=key).returncode == 0
    wrong = "x" * 43 + "="
    done = codefit(repo, "split", "--verify", CODEFIT_SEAL_KEY=wrong)
    assert done.returncode == 2 and "key" in done.stderr, done.stdout + done.stderr
    assert "running the suite" not in done.stdout


def test_an_unsplit_suite_has_nothing_to_verify_without_splitting(tmp_path: Path) -> None:
    repo = _repo(tmp_path, HONEST)
    done = codefit(repo, "split", "--verify", "--dry-run")
    assert done.returncode == 0 and "dry run: nothing changed" in done.stdout, done.stdout + done.stderr
    assert not (repo / ".codefit").exists()


def test_held_out_cases_are_named_as_before_the_split() -> None:
    assert name_before_split("tests/test_a_validation.py::T::test_f[1]", "validation") == (
        "tests/test_a.py::T::test_f[1]"
    )
    assert name_before_split("tests/foo_test_test.py::test_x", "test") == "tests/foo_test.py::test_x"
    assert (
        name_before_split("tests/test_a_validation.py::test_f", "train")
        == "tests/test_a_validation.py::test_f"
    )


def test_every_kind_of_difference_is_listed() -> None:
    found = Verification(
        before={"a": Outcome.PASSED, "b": Outcome.PASSED, "c": Outcome.FAILED},
        after={"a": Outcome.PASSED, "c": Outcome.PASSED, "d": Outcome.PASSED},
        where={"a": "train", "c": "validation", "d": "test"},
        twice=["a"],
    )
    text = "\n".join(found.lines())
    assert not found.same
    assert "1 ran twice after the split:\n  a" in text
    assert "1 lost: ran before the split, not after:\n  b" in text
    assert "1 new: ran after the split, not before:\n  d (test)" in text
    assert "c: failed before, passed after (validation)" in text
    assert "verified" not in text


def test_cases_whose_ids_change_from_run_to_run_are_compared_by_count_and_outcome() -> None:
    """marshmallow names cases by `datetime.now()`: the ids of the two runs differ, the split is fine."""
    found = Verification(
        before={"t.py::test_when[14:37:42]": Outcome.FAILED, "t.py::test_when[14:37:43]": Outcome.PASSED},
        after={"t.py::test_when[14:37:47]": Outcome.PASSED, "t.py::test_when[14:37:48]": Outcome.FAILED},
        where={"t.py::test_when[14:37:47]": "train", "t.py::test_when[14:37:48]": "validation"},
    )
    assert found.same and found.renamed() == ["t.py::test_when"]
    assert "1 test(s) named their cases otherwise from one run to the next" in "\n".join(found.lines())
    # A rename that changes an outcome, or the number of cases, is no such thing.
    found.after["t.py::test_when[14:37:48]"] = Outcome.PASSED
    assert not found.same and found.lost() == ["t.py::test_when[14:37:42]", "t.py::test_when[14:37:43]"]


def test_a_module_that_does_not_import_is_named_not_counted_twice(tmp_path: Path) -> None:
    """pyparsing's diagram tests need an extra that was not installed: the module errs before the
    split, and in every half it went to (the rest runs: `--continue-on-collection-errors`)."""
    repo = _repo(tmp_path, HONEST)
    tests = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(6))
    extra = "import not_installed_anywhere\n\n" + tests
    (repo / "tests" / "test_extra.py").write_text(extra)
    (repo / "pytest.ini").write_text("[pytest]\naddopts = --continue-on-collection-errors\n")
    done = codefit(repo, "split", "--validation", "0.4", "--test", "0.2", "--seal", "--verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tests/test_extra.py does not import, before the split as after" in done.stdout
    assert "ran twice" not in done.stdout and "verified" in done.stdout


@pytest.mark.parametrize("by", ["function", "file"])
def test_coarser_units_move_whole_tests_or_whole_modules(by: str, tmp_path: Path) -> None:
    repo = _repo(tmp_path, HONEST)
    for name in ("more", "third"):
        tests = "".join(f"def test_{name}_{i}():\n    assert {i} >= 0\n\n\n" for i in range(5))
        (repo / "tests" / f"test_{name}.py").write_text(tests)
    (repo / "tests" / "test_helpers.py").write_text("def make():\n    return 1\n")  # no test in it
    held = tmp_path / "held"
    done = codefit(
        repo, "split", "--by", by, "--validation", "0.34", "--test", "0.34", "--out", str(held), "--verify"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified" in done.stdout
    moved = {p.name: p.read_text() for p in held.rglob("*.py")}
    assert moved
    if by == "file":  # a module goes whole: none of its tests stays visible
        for name in moved:
            original = name.removesuffix("_validation.py").removesuffix("_test.py") + ".py"
            assert "def test_" not in (repo / "tests" / original).read_text()
    else:  # a parametrized test goes whole: its cases are never parted
        holders = [text for text in [*moved.values(), (repo / "tests" / "test_calc.py").read_text()]]
        assert sum("def test_add" in text for text in holders) == 1


def test_a_suite_that_runs_no_test_before_the_split_is_not_compared(tmp_path: Path) -> None:
    """tomlkit's spec tests need pyyaml: without it pytest collects with an error and runs nothing."""
    repo = _repo(tmp_path, HONEST)
    (repo / "tests" / "test_spec.py").write_text("import yaml_not_installed\n\n\ndef test_a():\n    pass\n")
    done = codefit(repo, "split", "--validation", "0.4", "--test", "0.2", "--seal", "--verify")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the suite before the split ran no test: tests/test_spec.py did not import" in done.stdout
    assert "not verified" in done.stdout and "split again" not in done.stdout


def test_a_test_module_another_imports_stays_whole(tmp_path: Path) -> None:
    """itsdangerous' test_timed.py subclasses test_signer.py's TestSigner: carved, the cases of the
    imported class vanished from both modules' runs (72 of 297)."""
    repo = _repo(tmp_path, HONEST)
    base = "".join(f"    def test_{i}(self):\n        assert {i} >= 0\n\n" for i in range(6))
    (repo / "tests" / "test_base.py").write_text("class TestBase:\n" + base)
    derived = "from test_base import TestBase\n\n\nclass TestDerived(TestBase):\n"
    derived += "    def test_own(self):\n        pass\n"
    (repo / "tests" / "test_derived.py").write_text(derived)
    done = codefit(repo, "split", "--validation", "0.4", "--test", "0.2", "--seal", "--verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "tests/test_base.py: imported by tests/test_derived.py: kept whole in the visible suite"
        in done.stdout
    )
    assert "verified" in done.stdout
    assert "def test_5" in (repo / "tests" / "test_base.py").read_text()
