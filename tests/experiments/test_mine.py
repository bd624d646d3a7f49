"""`codefit tasks mine` on a real git repository built here: kept commits and the reasons for the rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codefit.experiments.mine import mine
from codefit.experiments.suite import load_suite, prepare_task
from codefit.workspace.git import git

pytestmark = pytest.mark.slow
ADD = "def add(a, b):\n    return a + b\n"
ADD_SUM = "def add(a, b):\n    return sum((a, b))\n"
MUL = "\n\ndef mul(a, b):\n    return a * b\n"
TEST_MUL = "from calc.ops import mul\n\n\ndef test_mul():\n    assert mul(3, 4) == 12\n"
TEST_ADD = "from calc.ops import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
TEST_SUB = "from calc.ops import sub\n\n\ndef test_sub():\n    assert sub(5, 3) == 2\n"
IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def commit(repo: Path, message: str, files: dict[str, str]) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(
        ["git", "commit", "-qm", message], cwd=repo, check=True, env={**IDENTITY, "PATH": "/usr/bin:/bin"}
    )
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "calc"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    shas = {}
    shas["root"] = commit(
        repo,
        "start",
        {
            "calc/__init__.py": "",
            "calc/ops.py": "def add(a, b):\n    return a + b\n",
            "tests/test_ops.py": "from calc.ops import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        },
    )
    shas["feature"] = commit(
        repo,
        "Add mul(a, b): the product of two numbers",
        {
            "calc/ops.py": ADD + MUL,
            "tests/test_mul.py": TEST_MUL,
        },
    )
    shas["docs"] = commit(repo, "Docs", {"README.md": "calc\n"})
    shas["tests_only"] = commit(
        repo,
        "More add tests",
        {
            "tests/test_ops.py": TEST_ADD + "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n",
        },
    )
    shas["refactor"] = commit(
        repo,
        "Refactor add",
        {
            "calc/ops.py": ADD_SUM + MUL,
            "tests/test_mul.py": TEST_MUL + "\n\ndef test_mul_one():\n    assert mul(5, 1) == 5\n",
        },
    )
    shas["broken"] = commit(
        repo,
        "Add sub, wrongly",
        {
            "calc/ops.py": ADD_SUM + MUL + "\n\ndef sub(a, b):\n    return b - a\n",
            "tests/test_sub.py": TEST_SUB,
        },
    )
    shas["fix"] = commit(
        repo,
        "Fix sub: a minus b",
        {
            "calc/ops.py": ADD_SUM + MUL + "\n\ndef sub(a, b):\n    return a - b\n",
            "tests/test_sub.py": TEST_SUB + "\n\ndef test_sub_negative():\n    assert sub(1, 4) == -3\n",
        },
    )
    return repo, shas


def test_mining_keeps_real_fixes_and_says_why_the_rest_were_dropped(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repo, shas = history
    report = mine(repo, tmp_path / "suite", python=sys.executable)
    assert report.kept == [shas["feature"][:12], shas["fix"][:12]]
    assert report.dropped == {
        shas["root"]: "root commit (no base)",
        shas["docs"]: "no test added or changed",
        shas["tests_only"]: "no source change",
        shas["refactor"]: "held-out tests already pass on the base",
        shas["broken"]: "held-out tests fail on the commit",
    }
    suite = load_suite(tmp_path / "suite")
    task = suite.task(shas["fix"][:12])
    prepared = prepare_task(task, tmp_path / "run")
    assert git(prepared, "rev-list", "--count", "HEAD").strip() == "1"  # no history reaches the workspace
    assert "return b - a" in (prepared / "calc" / "ops.py").read_text()  # the base, before the fix
    assert "test_sub_negative" not in (prepared / "tests" / "test_sub.py").read_text()  # visible: the base's
    assert (
        "test_sub_negative"
        in (tmp_path / "run" / "hidden" / "validation" / "tests" / "test_sub.py").read_text()
    )
    assert "Fix sub" in (prepared / "codefit.toml").read_text()
    graded = subprocess.run(
        [sys.executable, "-m", "codefit", "evaluate", str(prepared), "--split", "validation"],
        capture_output=True,
        text=True,
    )
    assert graded.returncode == 1, graded.stdout + graded.stderr  # the held-out tests fail on the base


def test_limit_and_since(history: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repo, shas = history
    assert mine(repo, tmp_path / "a", limit=1).kept == [shas["feature"][:12]]
    assert mine(repo, tmp_path / "b", since=shas["refactor"]).kept == [shas["fix"][:12]]
