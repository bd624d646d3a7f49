"""`codefit check` on a package whose version module the build writes and git ignores (hatch-vcs,
setuptools_scm: filelock, isodate, urllib3). Every tree the check builds carries it, so the tests
import the package; what the base declares decides which file, and nothing that computes is carried."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_check import IDENTITY, KEY

pytestmark = pytest.mark.slow
CONFIG = """task = "t"
writable = ["src/**"]
protected = ["tests/**"]

[[sensors]]
name = "unit"
kind = "pytest"
args = ["-o", "pythonpath=src", "tests"]

[[sensors]]
name = "hidden"
kind = "pytest"
sealed = "SEALED"
split = "validation"
args = ["-o", "pythonpath=src", "tests"]
"""
VERSION = "__version__ = version = '1.2.3'\n__version_tuple__ = version_tuple = (1, 2, 3)\n"
FILES = {
    "pyproject.toml": '[tool.hatch.build.hooks.vcs]\nversion-file = "src/pkg/_version.py"\n',
    ".gitignore": "src/pkg/_version.py\n",
    "src/pkg/__init__.py": "from ._version import version\n\n\ndef double(x):\n    return x + x\n",
    "tests/test_pkg.py": "import pkg\n\n\ndef test_double():\n    assert pkg.double(2) == 4\n",
}
HELD_OUT = (
    "import pkg\n\n\ndef test_double_more():\n    assert pkg.double(5) == 10\n\n\ndef test_version():\n"
)
HELD_OUT += "    assert pkg.version == '1.2.3'\n"


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **IDENTITY, "CODEFIT_SEAL_KEY": KEY}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("versioned") / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    held = root.parent / "held" / "tests"
    held.mkdir(parents=True)
    (held / "test_more.py").write_text(HELD_OUT)
    assert run(["git", "init", "-q", "-b", "main"], root).returncode == 0
    sealed = run([sys.executable, "-m", "codefit", "seal", str(held.parent), "--split", "validation"], root)
    assert sealed.returncode == 0, sealed.stderr
    rel = next((root / ".codefit-sealed").glob("*.sealed")).relative_to(root)
    (root / "codefit.toml").write_text(CONFIG.replace("SEALED", str(rel)))
    (root / "src/pkg/_version.py").write_text(VERSION)  # what `pip install -e .` writes
    assert run(["git", "add", "-A"], root).returncode == 0
    assert run(["git", "commit", "-qm", "base"], root).returncode == 0
    assert run(["git", "check-ignore", "-q", "src/pkg/_version.py"], root).returncode == 0
    run(["git", "checkout", "-q", "-b", "pr"], root)
    (root / "src/pkg/__init__.py").write_text(FILES["src/pkg/__init__.py"].replace("x + x", "2 * x"))
    run(["git", "commit", "-qam", "double by multiplying"], root)
    return root


def check(repo: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "codefit", "check", "--base", "main", "--head", "pr"], repo)


def test_the_tests_import_the_package_in_every_tree_the_check_builds(repo: Path) -> None:
    done = check(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "train unit: passed (1/1 passed)" in done.stdout
    assert "held-out hidden (validation): passed" in done.stdout  # test_version read 1.2.3


def test_a_version_file_that_computes_is_not_carried_and_the_check_says_the_tests_erred(repo: Path) -> None:
    version = repo / "src/pkg/_version.py"
    try:
        # What a pull request's own build could write there (its template, in its pyproject.toml).
        version.write_text("import pkg\npkg.double = lambda x: 2 * x\nversion = '1.2.3'\n")
        done = check(repo)
    finally:
        version.write_text(VERSION)
    assert done.returncode == 1, done.stdout
    assert "train unit: failed (0/1 passed" in done.stdout
