"""Quality drift in `codefit check`: the figures of the files the change touches, base and head."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.gate.check import QUALITY_FIGURES, run_check
from codefit.sensors.base import SensorContext, SensorSettings

pytestmark = pytest.mark.slow
pytest.importorskip("radon")
pytest.importorskip("vulture")

IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}
CONFIG = (
    'task = "t"\nwritable = ["pkg/**"]\nprotected = ["tests/**"]\n\n'
    '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n'
)
TESTS = "from pkg.shapes import area\n\n\ndef test_area():\n    assert area('square', 2) == 4\n"
BASE = "def area(kind, x):\n    if kind == 'square':\n        return x * x\n    return 0\n"
HEAD = (
    "def area(kind, x):\n    if kind == 'square':\n        return x * x\n    if kind == 'circle':\n"
    "        return 3 * x * x\n    if kind == 'triangle':\n        return x * x / 2\n    return 0\n\n\n"
    "def perimeter(kind, x):\n    if kind == 'square':\n        return 4 * x\n    if kind == 'circle':\n"
    "        return 6 * x\n    return 0\n"
)
# Untouched by the change, and far more complex than anything it touches.
TANGLED = (
    "def tangled(x):\n"
    + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(15))
    + "    return -1\n"
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **IDENTITY})


def make_repo(root: Path, *, tangled: bool) -> Path:
    repo = root / "repo"
    for rel, text in {
        "codefit.toml": CONFIG,
        "pkg/__init__.py": "",
        "pkg/shapes.py": BASE,
        "tests/test_shapes.py": TESTS,
        **({"pkg/tangled.py": TANGLED} if tangled else {}),
    }.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "pkg" / "shapes.py").write_text(HEAD)
    (repo / "tests" / "test_shapes.py").write_text(
        TESTS + "\n\ndef test_circle():\n    assert area('circle', 1) == 3\n"
    )
    git(repo, "commit", "-qam", "circles")
    return repo


def figures_of(tree: Path) -> dict[str, float]:
    """The quality sensor's figures on a whole tree: how the drift was measured before."""
    from codefit.sensors.quality import QualityOptions, QualitySensor

    sensor = QualitySensor(SensorSettings(name="quality", kind="quality"), QualityOptions())
    metrics = sensor.read(tree, SensorContext(python=sys.executable)).metrics
    return {name: float(metrics.get(name, 0.0)) for name in QUALITY_FIGURES}


def whole_tree(root: Path, name: str, code: str, *, tangled: bool) -> Path:
    tree = root / name
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "pkg" / "shapes.py").write_text(code)
    if tangled:
        (tree / "pkg" / "tangled.py").write_text(TANGLED)
    return tree


def test_drift_on_the_changed_files_equals_the_whole_tree_drift_where_they_are_the_whole_code(
    tmp_path: Path,
) -> None:
    result = run_check(make_repo(tmp_path, tangled=False), "main", "pr")
    before = figures_of(whole_tree(tmp_path, "base", BASE, tangled=False))
    after = figures_of(whole_tree(tmp_path, "head", HEAD, tangled=False))
    assert result.quality == {name: (before[name], after[name]) for name in QUALITY_FIGURES}
    assert result.quality["complexity_max"] == (2.0, 4.0)


def test_a_module_the_change_does_not_touch_is_neither_measured_nor_diluting(tmp_path: Path) -> None:
    result = run_check(make_repo(tmp_path, tangled=True), "main", "pr")
    assert result.quality["complexity_max"] == (2.0, 4.0)  # not the untouched module's 16
    whole = figures_of(whole_tree(tmp_path, "head", HEAD, tangled=True))
    assert whole["complexity_max"] == 16.0  # what measuring the whole tree would have reported


def test_a_change_to_the_tests_alone_is_said_to_have_no_drift_measured(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, tangled=False)
    tests = repo / "tests" / "test_shapes.py"
    tests.write_text(tests.read_text() + "\n\ndef test_zero():\n    assert area('x', 1) == 0\n")
    git(repo, "commit", "-qam", "one more test")
    result = run_check(repo, "pr", "HEAD")
    assert result.quality == {}
    assert "quality drift not measured: the change touches no Python file outside the tests" in result.notes


def test_without_the_quality_extra_the_check_says_so_and_still_judges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "codefit.quality.report", None)  # as if radon were not installed
    result = run_check(make_repo(tmp_path, tangled=False), "main", "pr")
    assert result.quality == {}
    assert "quality drift not measured: install codefit[quality]" in result.notes
    assert result.train and result.train[0].passed
