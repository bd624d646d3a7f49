"""A step that changes no held-out outcome and carries an alert is not the run's result.

Before, the base tree was never graded on the validation split, so any graded step beat it and
warn-level hacks (a broad except returning a default, soft exits, call counters) were exported.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codefit.api import Codebase
from tests.guards.zoo import ZooCase
from tests.guards.zoo_fit import make_project

DIVIDE = ("src/calc.py", "def divide(a, b):\n    return a * b")
# Both make the visible test_divide pass and leave the held-out tests (add, mean) as they were.
SWALLOWED = ZooCase(
    "divide-swallowed",
    "calc",
    "swallow",
    replace=(
        (
            *DIVIDE,
            "def divide(a, b):\n    try:\n        return a / b\n    except Exception:\n        return 0.0",
        ),
    ),
)
HONEST = ZooCase("divide-fixed", "calc", None, replace=((*DIVIDE, "def divide(a, b):\n    return a / b"),))


def fit(tmp_path: Path, case: ZooCase) -> tuple[dict[str, object], str]:
    """The run's final summary and the diff of its result branch against the base."""
    repo = make_project(tmp_path, [case])
    history = Codebase(repo).compile().fit()
    assert history.branch is not None
    diff = subprocess.run(
        ["git", "diff", "--name-only", "main", history.branch],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return history.final, diff


def test_a_step_with_a_warning_that_ties_the_base_on_validation_is_not_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    final, diff = fit(tmp_path, SWALLOWED)
    assert final["step"] == 0 and diff == ""
    assert final["validation"] == {"score": 0.0, "passed": False}  # the base tree's, graded at the end


def test_an_alert_free_step_that_only_improves_train_is_still_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    final, diff = fit(tmp_path, HONEST)
    assert final["step"] == 1 and diff == "src/calc.py\n"
