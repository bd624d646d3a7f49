"""Guard policies and the blind budget inside the real loop: what is undone stays undone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefit.store import Store

from .project import HARDCODE, KEEP_BLOCKS, codefit, make_project

pytestmark = pytest.mark.slow

# Rewrites the visible tests' expectations to fit the bug: train passes, the protected guard fires.
EDIT_TESTS = "sed -i 's/== 3/== -1/; s/== 4/== 0/' tests/test_calc.py"
# The hard-coded patch, made distinct at every step (a new tree, so the blind split is asked again).
HARDCODE_EACH_STEP = HARDCODE + ' && echo "# step $CODEFIT_STEP" >> calc.py'
SECOND_HOLDOUT = """
[[sensors]]
name = "holdout2"
kind = "pytest"
path = "../hidden/validation"
split = "validation"
budget = 2
"""


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))


def show(repo: Path) -> dict:  # type: ignore[type-arg]
    done = codefit("show", "latest", "--json", cwd=repo)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_each_validation_sensor_spends_its_own_budget(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HARDCODE_EACH_STEP, max_steps=4, budget=2, extra=KEEP_BLOCKS)
    config = repo / "codefit.toml"
    config.write_text(config.read_text() + SECOND_HOLDOUT)
    done = codefit("fit", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    data = show(repo)
    assert [s["index"] for s in data["steps"]] == [0, 1, 2]
    assert [s["logs"]["val_budget_left"] for s in data["steps"]] == [2, 1, 0]
    assert sorted((q["sensor"], q["budget_left"]) for q in data["queries"]) == [
        ("holdout", 0),
        ("holdout", 1),
        ("holdout2", 0),
        ("holdout2", 1),
    ]
    assert data["final"]["stop_reason"] == "validation budget spent"


def test_a_rolled_back_step_does_not_end_the_run_and_its_feedback_shows_the_restored_tree(
    tmp_path: Path,
) -> None:
    repo = make_project(tmp_path, EDIT_TESTS, max_steps=2, extra='[guards.policy]\nprotected = "rollback"')
    done = codefit("fit", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    data = show(repo)
    assert [s["logs"]["rolled_back"] for s in data["steps"][1:]] == [True, True]
    assert data["final"]["stop_reason"] == "reached max_steps (2)"
    assert data["final"]["step"] == 0, "a rolled-back step is never chosen"
    assert data["queries"] == [], "an undone tree is never graded on the blind split"
    store = Store.for_repo(repo)
    feedback = store.blobs.text(store.steps(data["run"]["id"])[1].next_feedback_blob)
    assert "unit: FAILED" in feedback, "the feedback describes the tree the optimizer goes on from"
    assert "Your last step was rolled back" in feedback


def test_a_step_a_guard_stops_is_undone_and_never_exported(tmp_path: Path) -> None:
    repo = make_project(tmp_path, EDIT_TESTS, max_steps=3, extra='[guards.policy]\nprotected = "stop"')
    done = codefit("fit", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    data = show(repo)
    assert [s["index"] for s in data["steps"]] == [0, 1]
    assert data["final"]["stop_reason"].startswith("guard protected stopped the run")
    assert data["final"]["step"] == 0
    from ..conftest import run_git

    exported = run_git(repo, "show", f"{data['run']['branch']}:tests/test_calc.py")
    assert "== 3" in exported and "== -1" not in exported, "the hack is not in the result branch"


def test_leakage_alerts_are_recorded_but_never_shown_to_the_optimizer(tmp_path: Path) -> None:
    # The fix, plus a held-out test's name written into the code: the leakage guard fires.
    leak = "sed -i 's/a - b/a + b/' calc.py && echo '# see test_hidden_marker_big' >> calc.py"
    repo = make_project(tmp_path, leak, max_steps=1)
    codefit("fit", cwd=repo)
    data = show(repo)
    assert any(a["guard"] == "leakage" for a in data["alerts"]), data["alerts"]
    store = Store.for_repo(repo)
    feedback = store.blobs.text(store.steps(data["run"]["id"])[1].next_feedback_blob)
    # The step is rolled back: the feedback shows the restored tree's failures (paths under tmp_path).
    feedback = feedback.replace(str(tmp_path), "")
    assert "leakage" not in feedback and "heldout" not in feedback, feedback
