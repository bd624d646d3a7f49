"""`codefit split` on test shapes met in real suites (wcwidth, python-dateutil, six, simplejson,
jinja2's fixture named like a test, packaging's bytes and str cases with one id): the halves
together run exactly the original cases, under the same ids, each once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.gate.split import SPLITS, held_name

pytestmark = pytest.mark.slow
SUITE = """import sys
import unittest

import pytest
from pytest import fixture

NAMES = ["one", "two", "three", "four"]
VALUES = [1, 2, 3, 4]


@pytest.mark.parametrize("s", ["a", "b", "c", "d", "e", "f", "g", "h", "i", "中", "🍛"])
def test_wide_characters(s):
    assert s


@pytest.mark.parametrize("x", [1, 2, 3, 4, 5, 6], ids=["a", "b", "c", "d", "e", "f"])
def test_ids_listed(x):
    assert x


@pytest.mark.parametrize("v", VALUES, ids=NAMES)
def test_ids_named(v):
    assert v


@pytest.mark.parametrize("d", [{"v": 1}, {"v": 2}, {"v": 3}, {"v": 4}, {"v": 5}, {"v": 6}])
def test_ids_by_position(d):
    assert d["v"]


@pytest.mark.parametrize("n", [1, 1, 2, 2, 3, 3])
def test_repeated_ids(n):
    assert n


@pytest.mark.parametrize("a, b", [(1, 2), (3, 4), (5, -6), ("x", None), (1.5, True), (7, 8)])
def test_plain_pairs(a, b):
    assert a


@pytest.mark.parametrize("v, s", [(b"2.4", "2.4"), ("2.4", "2.4"), ("1", 1), (1, 1), (None, 2), ("None", 2)])
def test_values_differ_ids_repeat(v, s):
    assert s


@pytest.mark.parametrize("a, b", [("x-y", "z"), ("x", "y-z"), ("p", "q"), ("r", "s"), ("t", "u"), ("v", "w")])
def test_joined_ids_repeat(a, b):
    assert b


if sys.version_info >= (3,):

    def test_conditional():
        assert True


@pytest.fixture
def test_env():
    return {"n": 1}


@fixture(scope="module")
def test_data():
    return [1, 2]


def test_uses_env(test_env):
    assert test_env["n"] == 1


def test_uses_both(test_data, test_env):
    assert test_data and test_env


class TestFixtureMethod:
    @pytest.fixture
    def test_value(self):
        return 3

    def test_one(self, test_value):
        assert test_value == 3

    def test_two(self, test_value):
        assert test_value

    def test_three(self, test_value):
        assert test_value > 2


class TestCalls(unittest.TestCase):
    def test_a(self):
        self.assertTrue(True)

    def test_b(self):
        self.assertTrue(True)

    def test_c(self):
        self.assertTrue(True)

    def test_d(self):
        self.assertTrue(True)

    def test_runs_another(self):
        self.test_a()

    if sys.version_info >= (3,):

        def test_conditional_method(self):
            self.assertTrue(True)
"""
LINE = re.compile(r"^(PASSED|FAILED|ERROR) (\S+)")
IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **IDENTITY})


def outcomes(repo: Path, paths: list[str]) -> list[tuple[str, str]]:
    proc = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", *paths], repo)
    assert "error" not in proc.stdout.splitlines()[-1], proc.stdout[-3000:]
    found = []
    for line in proc.stdout.splitlines():
        if match := LINE.match(line):
            found.append((re.sub(r"_(validation|test)\.py::", ".py::", match.group(2)), match.group(1)))
    return sorted(found)


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_the_halves_run_the_original_cases_under_their_ids_once(seed: int, tmp_path: Path) -> None:
    repo = tmp_path / "proj"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_shapes.py").write_text(SUITE, encoding="utf-8")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        assert run(cmd, repo).returncode == 0
    before = outcomes(repo, ["tests"])
    assert len(before) == 63 and all(outcome == "PASSED" for _, outcome in before)
    out = tmp_path / "held"
    split = run([sys.executable, "-m", "codefit", "split", "--seed", str(seed), "--out", str(out)], repo)
    assert split.returncode == 0, split.stderr
    for name in SPLITS:
        held = out / name / held_name("tests/test_shapes.py", name)
        if held.exists():
            (repo / held_name("tests/test_shapes.py", name)).write_text(held.read_text("utf-8"), "utf-8")
    assert outcomes(repo, ["tests"]) == before  # same ids, same outcomes, no case twice


def test_paths_are_read_from_where_the_user_is_and_must_be_in_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "proj"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_shapes.py").write_text(SUITE, encoding="utf-8")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        assert run(cmd, repo).returncode == 0
    codefit = [sys.executable, "-m", "codefit", "split", "--dry-run"]
    here = run([*codefit, "test_shapes.py", "-C", str(repo)], repo / "tests")
    assert here.returncode == 0 and "tests/test_shapes.py: " in here.stdout, here.stdout + here.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "test_x.py").write_text("def test_a():\n    pass\n\n\ndef test_b():\n    pass\n")
    refused = run([*codefit, str(outside / "test_x.py")], repo)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert f"outside the repository {repo}" in refused.stderr
