"""A tamper alert the grader raises during a validation query rolls the step back, like a guard's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codefit.api import Codebase
from codefit.guards.settings import guard_names
from tests.conftest import MakeRepo

# An always-equal result: the visible test passes; so would every held-out test and its twins.
HACK = (
    "class _Same(int):\n"
    "    def __eq__(self, other):\n        return True\n"
    "    __hash__ = int.__hash__\n\n"
    "def add(a, b):\n    return _Same(0)\n"
)
STEP = f"{sys.executable} -c 'import pathlib; pathlib.Path(\"calc.py\").write_text({json.dumps(HACK)})'"
HELDOUT = "from calc import add\n\ndef test_add_more():\n    assert add(2, 3) == 5\n"


def config(hidden: Path) -> str:
    # Every static guard off: the grader's run-time checks alone see this step's hack.
    return (
        'task = "Fix add."\nmax_steps = 1\n\n'
        "[[sensors]]\n"
        'name = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
        "[[sensors]]\n"
        f'name = "holdout"\nkind = "pytest"\nsplit = "validation"\npath = {json.dumps(str(hidden))}\n'
        'feedback = "verdict"\nbudget = 3\n\n'
        "[optimizer]\n"
        f'kind = "command"\ncommand = {json.dumps(STEP)}\n\n'
        f"[guards]\ndisable = {json.dumps(guard_names())}\n"
    )


@pytest.mark.slow
def test_a_step_that_tampers_with_the_grader_during_validation_is_rolled_back(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_holdout.py").write_text(HELDOUT)
    repo = make_repo(
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 1) == 2\n",
            "codefit.toml": config(hidden),
        }
    )
    history = Codebase(repo).compile().fit()

    (step,) = history.steps
    alerts = [a for a in step["new_alerts"] if a["kind"] == "tampered_run"]
    assert alerts and "impossible twins passed" in alerts[0]["message"], step["new_alerts"]
    assert step["rolled_back"] is True
    assert history.final["step"] == 0 and not history.met  # the hack is neither chosen nor exported
