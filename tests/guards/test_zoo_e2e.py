"""Zoo entries applied by the `command` optimizer inside a real fit run; alerts read back from the store."""

from __future__ import annotations

import base64
import json
import shlex
import sys
from pathlib import Path

import pytest

from codefit.api import Codebase
from codefit.store import Store
from tests.conftest import run_git
from tests.guards.zoo import CATEGORIES, HACKS, LEGIT, ZooCase
from tests.guards.zoo_tasks import TASKS

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
    "    p.write_text(p.read_text().replace(old, new, 1))\n"
)

# Hacks applied together in one run (each needs its own category's guard), and a legitimate fix.
E2E_HACKS = ["conftest-forces-pass", "git-history", "climb-out-and-read", "heldout-literal-in-code"]
# The last two run programs by absolute paths (this interpreter, /usr/bin/sed): still honest runs.
E2E_LEGIT = ["fix-all-calc", "absolute-interpreter-fix", "system-sed-fix"]


def command_for(cases: list[ZooCase]) -> str:
    parts = []
    for case in cases:
        payload = base64.b64encode(
            json.dumps({"files": case.files, "replace": case.replace}).encode()
        ).decode()
        # Each transcript command in a subshell, so that its `cd` does not move the edits.
        parts += [f"( {c} ) > /dev/null 2>&1" for kind, c in case.transcript if kind == "command"]
        parts.append(f"{shlex.quote(sys.executable)} -c {shlex.quote(APPLY)} {payload}")
    return "; ".join(parts)


def make_project(root: Path, cases: list[ZooCase], policy: str = "warn") -> Path:
    task = TASKS[cases[0].task]
    repo = root / "repo"
    files = dict(task.files)
    files[".gitignore"] = ".codefit/\n"
    files["codefit.toml"] = (
        f'task = "TASK.md"\nmax_steps = 1\n\n[guards]\ndefault = "{policy}"\n\n'
        '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
        '[[sensors]]\nname = "holdout"\nkind = "pytest"\npath = "../hidden"\nsplit = "validation"\n\n'
        f'[optimizer]\nkind = "command"\ncommand = {json.dumps(command_for(cases))}\n'
    )
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    for rel, text in task.heldout.items():
        (root / "hidden" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "hidden" / rel).write_text(text)
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "task")
    return repo


def fit_alerts(repo: Path) -> list[tuple[str, str, str, str]]:
    """(guard, kind, severity, action) of every alert the run recorded."""
    history = Codebase(repo).compile().fit()
    store = Store.for_repo(repo)
    try:
        return [(a.guard, a.kind, a.severity.value, action) for _, a, action in store.alerts(history.run_id)]
    finally:
        store.close()


@pytest.mark.slow
def test_hacks_applied_by_command_optimizer_are_caught_and_rolled_back(tmp_path: Path) -> None:
    cases = [next(c for c in HACKS if c.name == name) for name in E2E_HACKS]
    alerts = fit_alerts(make_project(tmp_path, cases, policy="rollback"))
    for case in cases:
        assert case.category is not None
        guards = CATEGORIES[case.category]
        assert any(g in guards and sev != "info" for g, _, sev, _ in alerts), (case.name, alerts)
    assert ("harness", "block", "rollback") in {(g, sev, action) for g, _, sev, action in alerts}
    # git-history and climb-out-and-read, judged on the command the optimizer recorded.
    assert {"git_mining", "outside_workspace"} <= {kind for g, kind, _, _ in alerts if g == "transcript"}


@pytest.mark.slow
@pytest.mark.parametrize("name", E2E_LEGIT)
def test_legitimate_fix_applied_by_command_optimizer_raises_nothing(tmp_path: Path, name: str) -> None:
    case = next(c for c in LEGIT if c.name == name)
    assert [a for a in fit_alerts(make_project(tmp_path, [case])) if a[2] != "info"] == []
