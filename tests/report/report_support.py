"""Helpers for the report tests: real recorded runs (tmp git repo, `command` optimizer, real pytest).

The optimizer script first special-cases the visible test's input (train 0.5), then fixes the
function (train and validation pass). Runs are made once per test session: a fit costs seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codefit.guards.base import Alert, Severity
from codefit.store import Store

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@localhost",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@localhost",
}

FIX_SCRIPT = textwrap.dedent(
    """
    import os, pathlib, time
    step = int(os.environ["CODEFIT_STEP"])
    time.sleep(float(os.environ.get("FIX_DELAY", "0")))
    path = pathlib.Path("src/calc.py")
    if step == 1:
        path.write_text("def add(a, b):\\n    if (a, b) == (1, 2):\\n        return 3\\n    return 0\\n")
    else:
        path.write_text("def add(a, b):\\n    return a + b\\n")
    print(f"step {step}: rewrote src/calc.py </script> <b>not bold</b>")
    """
)

CONFIG = textwrap.dedent(
    """
    task = "Make add() add."
    max_steps = 4

    [[sensors]]
    name = "unit"
    kind = "pytest"
    args = ["tests"]

    [[sensors]]
    name = "quality"
    kind = "quality"
    include = ["src"]
    weight = 0.5
    gate = false

    [[sensors]]
    name = "holdout"
    kind = "pytest"
    split = "validation"
    path = "../hidden"
    feedback = "score"
    budget = 3

    # The views are shown a hack step followed by the fix: the hack is let through (warn).
    [guards.policy]
    block = "warn"

    [optimizer]
    kind = "command"
    command = "python3 fix.py"
    """
)

TEST_CALC = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, "src")
    from calc import add

    def test_one_plus_two():
        assert add(1, 2) == 3

    def test_two_plus_two():
        assert add(2, 2) == 4
    """
)

HIDDEN = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, "src")
    from calc import add

    def test_five_plus_six():
        assert add(5, 6) == 11
    """
)


@dataclass
class Project:
    repo: Path
    store: Store
    first: str  # a run that converged at step 2
    second: str  # the same harness again (same fingerprint)

    def open_store(self) -> Store:
        return Store.for_repo(self.repo)


def make_project(root: Path, python: str) -> Path:
    repo = root / "repo"
    files = {
        "src/calc.py": "def add(a, b):\n    return 0\n",
        "tests/test_calc.py": TEST_CALC,
        "fix.py": FIX_SCRIPT,
        "codefit.toml": CONFIG.format(python=python),
        ".gitignore": ".codefit/\n__pycache__/\n",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    (root / "hidden").mkdir()
    (root / "hidden" / "test_hidden.py").write_text(HIDDEN)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


def add_alert(store: Store, run_id: str, step: int) -> None:
    """Add a guard alert with evidence to a step, through the store's own API, keeping the step's real
    alerts: the guards' own findings depend on their settings, this one is known."""
    record = next(s for s in store.steps(run_id) if s.idx == step)
    readings = store.readings(run_id, step=step)
    alert = Alert(
        guard="tamper",
        kind="special_case",
        severity=Severity.WARN,
        message="the change special-cases a visible test's input",
        path="src/calc.py",
        line=2,
        snippet="if (a, b) == (1, 2):",
    )
    existing = [(a, action) for s, a, action in store.alerts(run_id) if s == step]
    store.record_step(record, readings, [*existing, (alert, "warn")])


def copy_run(source: Store, run_id: str, dest: Store, new_id: str, **changes: Any) -> str:
    """A copy of a recorded run, steps, readings, alerts and blobs, into another store (a tmp one), with
    some run fields changed: a known run in a state the session's runs are not in, leaving them as
    they are."""
    shutil.copytree(source.blobs.root, dest.blobs.root, dirs_exist_ok=True)
    run = source.run(run_id)
    dest.create_run(run.model_copy(update={"id": new_id, **changes}))
    alerts = source.alerts(run_id)
    for step in source.steps(run_id):
        dest.record_step(
            step.model_copy(update={"run_id": new_id}),
            source.readings(run_id, step=step.idx),
            [(a, action) for s, a, action in alerts if s == step.idx],
        )
    final = source.readings(run_id, phase="final")
    if final and run.chosen_step is not None:
        dest.record_final(new_id, run.chosen_step, final)
    return new_id
