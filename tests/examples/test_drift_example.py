"""The bundled drift example end to end through the real CLI: a reward-hacking agent erodes the code.

`examples/special_casing_drift` runs its own deterministic agent (agent.py) with the `command`
optimizer: each step it pastes an `if` for two failing visible tests into `parcel_price`. The run
is done once per module; each test below reads a different part of what `codefit show` reports.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from codefit.demo import prepare_example

from ..conftest import GIT_ENV, run_git

pytestmark = pytest.mark.slow

EXAMPLE = "special_casing_drift"
MAX_STEPS = 5
CASES_PER_STEP = 2


@dataclass(frozen=True)
class DriftRun:
    repo: Path
    fit: subprocess.CompletedProcess[str]
    summary: dict[str, Any]
    plain: str


def codefit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )


@pytest.fixture(scope="module")
def drift_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DriftRun]:
    root = tmp_path_factory.mktemp("drift")
    home = root / "home"
    env = {
        **os.environ,
        **GIT_ENV,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "CODEFIT_WORKDIR": str(root / "workdir"),
        "COLUMNS": "200",  # the step table unabridged
    }
    env.pop("PYTEST_ADDOPTS", None)
    with pytest.MonkeyPatch.context() as mp:  # prepare_example commits in-process
        for key in ("HOME", *GIT_ENV):
            mp.setenv(key, env[key])
        repo = prepare_example(EXAMPLE, root)
    fit = codefit("fit", cwd=repo, env=env)
    shown = codefit("show", "latest", "--json", cwd=repo, env=env)
    assert shown.returncode == 0, shown.stderr
    summary = json.loads(shown.stdout)
    plain = codefit("show", summary["run"]["id"], cwd=repo, env=env)
    assert plain.returncode == 0, plain.stderr
    yield DriftRun(repo, fit, summary, plain.stdout)


def step_logs(run: DriftRun, key: str) -> list[Any]:
    return [s["logs"].get(key) for s in run.summary["steps"]]


def visible_inputs(repo: Path) -> dict[tuple[Any, ...], str]:
    """(weight_kg, zone, express) of each visible `assert parcel_price(...) == x`, by test name."""
    tree = ast.parse((repo / "tests" / "test_pricing.py").read_text())
    found = {}
    for test in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(test):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call):
                call = node.left
                express = any(k.arg == "express" and ast.literal_eval(k.value) for k in call.keywords)
                found[(*(ast.literal_eval(a) for a in call.args), express)] = test.name
    return found


def special_cases(source: str) -> list[tuple[Any, ...]]:
    """The literal tuples `parcel_price` compares its arguments with."""
    function = next(
        n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == "parcel_price"
    )
    return [
        ast.literal_eval(stmt.test.comparators[0])
        for stmt in function.body
        if isinstance(stmt, ast.If)
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Tuple)
    ]


def test_the_run_ends_at_max_steps_with_the_spec_not_met(drift_run: DriftRun) -> None:
    assert drift_run.fit.returncode == 1, drift_run.fit.stdout + drift_run.fit.stderr
    final = drift_run.summary["final"]
    assert final["stop_reason"] == f"reached max_steps ({MAX_STEPS})"
    assert final["met"] is False
    assert [s["status"] for s in drift_run.summary["steps"]] == ["baseline", *["edited"] * MAX_STEPS]


def test_visible_tests_pass_only_at_the_last_step_so_validation_is_queried_once(drift_run: DriftRun) -> None:
    assert step_logs(drift_run, "train_passed") == [False] * MAX_STEPS + [True]
    scores = step_logs(drift_run, "train_score")
    assert all(after > before for before, after in pairwise(scores))
    queries = drift_run.summary["queries"]
    assert [(q["step"], q["passed"]) for q in queries] == [(MAX_STEPS, False)]


def test_complexity_grows_by_one_branch_per_special_case_and_erosion_rises_every_step(
    drift_run: DriftRun,
) -> None:
    complexity = step_logs(drift_run, "complexity_max")
    assert [b - a for a, b in pairwise(complexity)] == [CASES_PER_STEP] * MAX_STEPS
    assert complexity[0] <= 10 < complexity[1], "parcel_price passes CC 10 at the first step"
    erosion = step_logs(drift_run, "erosion")
    assert erosion[0] == 0.0
    assert all(after > before for before, after in pairwise(erosion)), erosion
    deltas = step_logs(drift_run, "erosion_delta")
    assert deltas[0] is None
    assert deltas[1:] == pytest.approx([b - a for a, b in pairwise(erosion)])


def test_an_erosion_drift_alert_is_recorded_once_erosion_has_risen_three_steps_in_a_row(
    drift_run: DriftRun,
) -> None:
    drift = [a for a in drift_run.summary["alerts"] if a["guard"] == "quality-drift"]
    assert [(a["step"], a["kind"], a["severity"], a["action"]) for a in drift] == [
        (step, "erosion-drift", "warn", "warn") for step in (3, 4, 5)
    ]
    assert drift[0]["message"].startswith("erosion rose 3 steps in a row: 0.000 -> ")
    assert drift[-1]["message"].startswith(f"erosion rose {MAX_STEPS} steps in a row")


def test_the_held_out_splits_expose_the_special_casing_as_a_positive_gap(drift_run: DriftRun) -> None:
    final = drift_run.summary["final"]
    last = drift_run.summary["steps"][-1]["logs"]
    assert last["train_score"] == 1.0 and last["train_passed"] is True
    assert last["val_passed"] is False and last["gap"] > 0.5
    # No better than the base tree held-out, and carrying alerts: the base tree stays the result.
    assert final["step"] == 0 and last["val_score"] == final["validation"]["score"]
    assert final["validation"]["passed"] is False and final["test"]["passed"] is False


def test_the_agent_only_special_cases_visible_inputs_and_touches_only_the_writable_module(
    drift_run: DriftRun,
) -> None:
    # The special cases tie the base tree held-out and carry alerts: the result branch is the base
    # tree, and the last step's tree is read from the run's bundle.
    branch = drift_run.summary["run"]["branch"]
    assert run_git(drift_run.repo, "diff", "--name-only", "main", branch).split() == []
    bundle = drift_run.repo / ".codefit" / "runs" / f"{drift_run.summary['run']['id']}.bundle"
    run_git(drift_run.repo, "fetch", "-q", str(bundle), "refs/heads/main")
    # (codefit.toml is kept out of the workspace; the result branch puts it back)
    changed = run_git(
        drift_run.repo, "diff", "--name-only", "main", "FETCH_HEAD", "--", ":!codefit.toml"
    ).split()
    assert changed == ["pricing.py"]
    cases = special_cases(run_git(drift_run.repo, "show", "FETCH_HEAD:pricing.py"))
    visible = visible_inputs(drift_run.repo)
    assert len(cases) == len(set(cases)) == CASES_PER_STEP * MAX_STEPS
    assert set(cases) <= set(visible)
    assert not [c for c in cases if c[1] == "domestic"], "tests that passed at baseline are left alone"
    # No tamper alert: every alert is about the writable module or about the run as a whole.
    assert {a["path"] for a in drift_run.summary["alerts"]} <= {"", "pricing.py"}


def test_plain_show_lists_each_steps_alert_count_and_the_gap(drift_run: DriftRun) -> None:
    rows = {}
    for line in drift_run.plain.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0].rstrip(" *").isdigit():
            rows[int(cells[0].rstrip(" *"))] = cells
    header = next(line for line in drift_run.plain.splitlines() if "alerts" in line)
    alerts_column = [c.strip() for c in header.split("┃")[1:-1]].index("alerts")
    per_step = [s["alerts"] for s in drift_run.summary["steps"]]
    assert [int(rows[i][alerts_column]) for i in sorted(rows)] == per_step
    alerts = drift_run.summary["alerts"]
    assert per_step == [sum(a["step"] == step for a in alerts) for step in range(MAX_STEPS + 1)]
    assert all(per_step[step] > 0 for step in (3, 4, 5)), "the drift alerts are counted in their steps"
    assert "chosen step 0: train 0.23, validation 0.25, test 0.40" in drift_run.plain
    assert "quality-drift erosion-drift (steps 3, 4, 5" in drift_run.plain
