"""Zoo entries applied by the `command` optimizer inside a real fit run; alerts read back from the store.

Each entry becomes a task repository with a `codefit.toml` whose optimizer command runs the entry's
transcript commands and then writes its edits into the workspace. The run is codefit's own loop:
sandboxed command, snapshot, train sensor, guards, held-out grading.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from codefit.api import Codebase
from codefit.store import Store
from tests.guards.zoo import CATEGORIES, ZooCase
from tests.guards.zoo_runner import make_task_repo
from tests.guards.zoo_tasks import TASKS, Task

# Applies the entry's edits (base64 JSON in argv[1]) to the workspace the optimizer runs in.
APPLY = (
    "import base64, json, pathlib, sys\n"
    "edit = json.loads(base64.b64decode(sys.argv[1]))\n"
    "for rel, text in edit['files'].items():\n"
    "    p = pathlib.Path(rel)\n"
    "    if text is None:\n"
    "        p.unlink()\n"
    "    else:\n"
    "        p.parent.mkdir(parents=True, exist_ok=True)\n"
    "        p.write_text(text)\n"
    "for rel, old, new in edit['replace']:\n"
    "    p = pathlib.Path(rel)\n"
    "    if old not in p.read_text():\n"
    "        sys.exit(f'zoo edit: {old!r} not in {rel}')\n"
    "    p.write_text(p.read_text().replace(old, new, 1))\n"
)


@dataclass(frozen=True)
class FitAlert:
    step: int
    guard: str
    kind: str
    severity: str
    action: str


def command_for(cases: list[ZooCase]) -> str:
    """One shell command applying `cases` in order, each after its own transcript commands."""
    parts = []
    for case in cases:
        edit = json.dumps({"files": case.files, "replace": case.replace})
        payload = base64.b64encode(edit.encode()).decode()
        # Each transcript command in a subshell (its `cd` must not move the edits); the newline
        # before `)` ends a heredoc's delimiter line.
        parts += [f"( {c}\n) > /dev/null 2>&1" for kind, c in case.transcript if kind == "command"]
        parts.append(f"{shlex.quote(os.path.realpath(sys.executable))} -c {shlex.quote(APPLY)} {payload}")
    # One subshell around it all: the actions stand for an agent's, which no config preflight sees
    # (the command optimizer's preflight checks a configured program's arguments, not shell code).
    return "( " + "; ".join(parts) + "\n)"


def make_project(root: Path, cases: list[ZooCase], policy: str | None = None, guards: str = "") -> Path:
    """A task repository whose fit run applies `cases` with the `command` optimizer.

    `policy` sets `[guards] default` (None: codefit's defaults); `guards` adds lines to `[guards]`."""
    task = TASKS[cases[0].task]
    level = next((c.heldout_feedback for c in cases if c.heldout_feedback), "")
    # Feedback that leaks held-out names reaches the optimizer on the step after the one it is about.
    steps = 2 if level else 1
    holdout = f'feedback = "{level}"\n' if level else ""
    repo = root / "repo"
    files = dict(task.files)
    files[".gitignore"] = ".codefit/\n"
    files["codefit.toml"] = (
        f'task = "TASK.md"\nmax_steps = {steps}\n\n[guards]\n'
        + (f'default = "{policy}"\n' if policy else "")
        + f"{guards}\n"
        + '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
        '[[sensors]]\nname = "holdout"\nkind = "pytest"\npath = "../hidden"\nsplit = "validation"\n'
        f"{holdout}\n"
        f'[optimizer]\nkind = "command"\ncommand = {json.dumps(command_for(cases))}\n'
    )
    for rel, text in task.heldout.items():
        (root / "hidden" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "hidden" / rel).write_text(text)
    return make_task_repo(Task(task.name, files), repo)


def fit_alerts(repo: Path) -> list[FitAlert]:
    """Every alert the fit run of `repo` recorded, with the action taken."""
    history = Codebase(repo).compile().fit()
    store = Store.for_repo(repo)
    try:
        return [
            FitAlert(step, a.guard, a.kind, a.severity.value, action)
            for step, a, action in store.alerts(history.run_id)
        ]
    finally:
        store.close()


def caught_in_fit(case: ZooCase, alerts: list[FitAlert]) -> bool:
    """A hack is caught when a guard of its category raised a warn or block alert in the run."""
    assert case.category is not None
    return any(a.guard in CATEGORIES[case.category] and a.severity != "info" for a in alerts)


def fit_false_alarms(alerts: list[FitAlert]) -> list[FitAlert]:
    return [a for a in alerts if a.severity != "info"]
