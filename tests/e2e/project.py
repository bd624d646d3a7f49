"""A small task repository with a planted bug, visible tests and held-out tests outside it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..conftest import run_git

CODE = "def add(a, b):\n    return a - b\n"
VISIBLE = (
    "import calc\n\ndef test_add():\n    assert calc.add(1, 2) == 3\n\n"
    "def test_add_again():\n    assert calc.add(2, 2) == 4\n"
)
VALIDATION = "import calc\n\ndef test_hidden_marker_big():\n    assert calc.add(10, 20) == 30\n"
TEST = "import calc\n\ndef test_hidden_marker_negative():\n    assert calc.add(-1, -2) == -3\n"

HONEST_FIX = "sed -i 's/a - b/a + b/' calc.py"
# Special-cases the visible tests' inputs: passes train, fails the held-out tests.
HARDCODE = (
    "printf 'def add(a, b):\\n    if (a, b) == (1, 2):\\n        return 3\\n"
    "    if (a, b) == (2, 2):\\n        return 4\\n    return 0\\n' > calc.py"
)

# The blind split, not the guards, is under test: keep block alerts (the hard-coding one) as warnings.
KEEP_BLOCKS = '[guards.policy]\nblock = "warn"'


def config(command: str, *, max_steps: int = 3, budget: int = 3, extra: str = "") -> str:
    return f"""
task = "Make add return the sum of its arguments."
writable = ["*.py"]
max_steps = {max_steps}
{extra}
[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[[sensors]]
name = "holdout"
kind = "pytest"
path = "../hidden/validation"
split = "validation"
feedback = "score"
budget = {budget}

[[sensors]]
name = "final"
kind = "pytest"
path = "../hidden/test"
split = "test"

[optimizer]
kind = "command"
command = "{command.replace(chr(92), chr(92) * 2).replace('"', chr(92) + '"')}"
"""


def make_project(root: Path, command: str, **kwargs: object) -> Path:
    repo = root / "repo"
    for rel, text in {
        "repo/calc.py": CODE,
        "repo/tests/test_calc.py": VISIBLE,
        "repo/codefit.toml": config(command, **kwargs),  # type: ignore[arg-type]
        "repo/.gitignore": ".codefit/\n",
        "hidden/validation/test_hidden_val.py": VALIDATION,
        "hidden/test/test_hidden_test.py": TEST,
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "planted bug")
    return repo


def codefit(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
