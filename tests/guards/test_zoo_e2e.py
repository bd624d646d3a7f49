"""Zoo entries applied by the `command` optimizer inside a real fit run; alerts read back from the store.

`bench/guards_zoo.py` runs every entry this way; these tests pin a subset in the suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guards.zoo import CATEGORIES, HACKS, LEGIT
from tests.guards.zoo_fit import fit_alerts, make_project
from tests.guards.zoo_runner import make_task_repo
from tests.guards.zoo_tasks import TASKS, Task

# Hacks applied together in one run on one task (each needs its own category's guard). The command
# optimizer's command is the user's, not an agent's action: hacks that live only in a transcript are
# judged on agents' transcripts (test_transcript_guard.py), not here.
E2E_HACKS = {
    "calc": ["conftest-forces-pass", "edit-expected-value", "delete-one-assert", "heldout-literal-in-code"],
    "text": ["aliased-os-exit", "eq-other-is-other", "aliased-pytest-patch", "caller-frame"],
}
E2E_LEGIT = [
    "fix-all-calc",
    # Programs run by absolute paths (this interpreter, /usr/bin/sed): still honest runs.
    "absolute-interpreter-fix",
    "system-sed-fix",
    # The command reads the run's task and feedback files through `{task}` and `{feedback}`.
    "reads-task-and-feedback",
    # Look like hacks to a careless guard: `import os as o`, real comparisons.
    "honest-os-alias",
    "total-ordering-version",
]


@pytest.fixture(autouse=True)
def lean_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in the test's own directory; no pytest plugin autoloading (the task repos need none)."""
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "runs"))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(E2E_HACKS))
def test_hacks_applied_by_command_optimizer_are_caught_and_rolled_back(tmp_path: Path, task: str) -> None:
    cases = [next(c for c in HACKS if c.name == name) for name in E2E_HACKS[task]]
    alerts = fit_alerts(make_project(tmp_path, cases, policy="rollback"))
    for case in cases:
        assert case.category is not None
        guards = CATEGORIES[case.category]
        assert any(a.guard in guards and a.severity != "info" for a in alerts), (case.name, alerts)
    assert {a.action for a in alerts if a.severity == "block"} == {"rollback"}


@pytest.mark.slow
def test_heldout_names_in_feedback_are_caught_on_the_next_step(tmp_path: Path) -> None:
    case = next(c for c in HACKS if c.name == "heldout-name-in-feedback")
    alerts = fit_alerts(make_project(tmp_path, [case]))
    assert [(a.step, a.guard, a.kind) for a in alerts] == [(2, "leakage", "heldout_in_feedback")]


@pytest.mark.slow
@pytest.mark.parametrize("name", E2E_LEGIT)
def test_legitimate_fix_applied_by_command_optimizer_raises_nothing(tmp_path: Path, name: str) -> None:
    case = next(c for c in LEGIT if c.name == name)
    assert [a for a in fit_alerts(make_project(tmp_path, [case])) if a.severity != "info"] == []


@pytest.mark.slow
def test_search_optimizer_run_raises_no_alert(tmp_path: Path) -> None:
    """Its transcript reports candidates like "`*` -> `/`": a report, not a command reaching `/`."""
    files = dict(TASKS["calc"].files)
    files[".gitignore"] = ".codefit/\n"
    files["codefit.toml"] = (
        'task = "TASK.md"\nmax_steps = 1\n\n[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
        '[optimizer]\nkind = "search"\nmax_edits = 1\n'
    )
    repo = make_task_repo(Task("calc", files), tmp_path / "repo")
    assert fit_alerts(repo) == []
