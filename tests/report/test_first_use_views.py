"""First-use defects of the run views (issue 12, item 13), on real recorded runs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from report_support import Project
from rich.console import Console
from typer.testing import CliRunner

import codefit
from codefit.cli import app
from codefit.harness.callbacks import Callback
from codefit.report.compare_view import compare_view
from codefit.report.summary import run_summary
from codefit.report.terminal import final_lines, runs_view, steps_table
from tests.e2e.project import HONEST_FIX, make_project

runner = CliRunner()


def narrow(renderable: object, width: int = 60) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_runs_json_lists_each_run_with_its_full_id_and_scores(project: Project) -> None:
    result = runner.invoke(app, ["runs", "--json", "-C", str(project.repo)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} >= {project.first, project.second}
    first = next(r for r in rows if r["id"] == project.first)
    run = project.store.run(project.first)
    assert first["status"] == run.status.value and first["optimizer"] == "command"
    assert first["validation"] == (run.final or {})["validation"]["score"] and first["steps"] >= 2


def test_runs_with_an_unknown_status_is_a_usage_error_naming_the_valid_ones(project: Project) -> None:
    result = runner.invoke(app, ["runs", "--status", "bogus", "-C", str(project.repo)])
    assert result.exit_code == 2
    assert "bogus" in result.output
    for status in ("running", "met", "not_met", "error", "interrupted"):
        assert status in result.output


def test_runs_and_compare_never_cut_run_ids_on_a_narrow_page(project: Project) -> None:
    runs = [project.store.run(project.first), project.store.run(project.second)]
    text = narrow(runs_view(project.store, runs))
    assert project.first in text and project.second in text
    summaries = [run_summary(project.store, r) for r in runs]
    text = narrow(compare_view(summaries), width=70)
    assert text.count(project.first) >= 3 and text.count(project.second) >= 3


def test_diff_without_a_step_is_the_whole_run_patch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    # Step 1 adds a comment (train still fails), step 2 fixes the sum: one patch holds both.
    command = 'if [ "$CODEFIT_STEP" = 1 ]; then echo "# adds" >> calc.py; else ' + HONEST_FIX + "; fi"
    repo = make_project(tmp_path, command, max_steps=2)
    run_id = codefit.Codebase(repo).fit().run_id
    result = runner.invoke(app, ["diff", run_id, "--raw", "-C", str(repo)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("diff --git a/calc.py b/calc.py")
    assert result.output.count("diff --git") == 1  # one patch, base to the chosen step
    assert "+    return a + b" in result.output and "+# adds" in result.output


class InterruptAfterStep2(Callback):
    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        if step == 2:
            raise KeyboardInterrupt  # as Ctrl-C between steps


def test_diff_without_a_step_on_an_interrupted_run_is_its_patch_so_far(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    repo = make_project(tmp_path, 'echo "# step $CODEFIT_STEP" >> calc.py', max_steps=3)
    with pytest.raises(KeyboardInterrupt):
        codefit.Codebase(repo).fit(callbacks=[InterruptAfterStep2()])
    run = codefit.Codebase(repo).store.run("latest")
    assert run.chosen_step is None and len(codefit.Codebase(repo).store.steps(run.id)) == 3
    result = runner.invoke(app, ["diff", run.id, "--raw", "-C", str(repo)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("diff --git a/calc.py b/calc.py")
    assert result.output.count("diff --git") == 1  # one patch, base to the last step so far
    assert "+# step 1\n+# step 2\n" in result.output
    shutil.rmtree(run.workspace)  # gone (gc): each kept step's recorded patch, in order
    result = runner.invoke(app, ["diff", run.id, "--raw", "-C", str(repo)])
    assert result.output.count("diff --git") == 2 and result.output.index("+# step 1") < result.output.index(
        "+# step 2"
    )


def summary_with(train: dict[str, object], *, queries: bool) -> dict[str, object]:
    step = {
        "index": 1,
        "status": "edited",
        "rolled_back": False,
        "loss": 0.002,
        "train": train,
        "validation": None,
        "gap": None,
        "logs": {},
        "tokens": {"input": 0, "output": 0},
        "cost_usd": 0.0,
        "alerts": 0,
        "duration_s": 1.0,
    }
    final = {
        "step": 1,
        "stop_reason": "reached max_steps (1)",
        "met": False,
        "train": train,
        "validation": {"score": 0.82, "passed": False},
        "test": {"score": None, "passed": None},
        "generalization_gap": 0.18,
        "gap_basis": "validation",
        "validation_queried": queries,
    }
    return {
        "run": {"id": "r1", "status": "not_met", "optimizer": "search", "chosen_step": 1, "branch": None},
        "steps": [step],
        "final": final,
    }


def test_a_failing_score_that_rounds_to_one_reads_as_counts() -> None:
    summary = summary_with({"score": 582 / 583, "passed": False, "tests": [582, 583]}, queries=True)
    assert "582/583 FAIL" in narrow(steps_table(summary), width=160)
    assert "train 582/583," in final_lines(summary)[1]
    passing = summary_with({"score": 0.5, "passed": False, "tests": [1, 2]}, queries=True)
    assert "0.50 FAIL" in narrow(steps_table(passing), width=160)  # not ambiguous: the score stays


def test_the_summary_shows_no_validation_score_for_a_run_that_never_queried_it() -> None:
    summary = summary_with({"score": 0.5, "passed": False, "tests": [1, 2]}, queries=False)
    line = final_lines(summary)[1]
    assert "validation - (never queried)" in line and "0.82" not in line
    assert "gap (train - validation) -" in line
    assert "validation 0.82" in final_lines(summary_with(summary["final"]["train"], queries=True))[1]  # type: ignore[index]


def test_run_summary_records_train_test_counts_and_whether_validation_was_queried(project: Project) -> None:
    summary = run_summary(project.store, project.store.run(project.first))
    baseline = [r.counts for r in project.store.readings(project.first, step=0) if r.counts.total]
    expected = [sum(c.passed for c in baseline), sum(c.total - c.skipped for c in baseline)]
    assert summary["steps"][0]["train"]["tests"] == expected and expected[0] < expected[1]
    assert summary["final"]["validation_queried"] is bool(project.store.queries(project.first))
