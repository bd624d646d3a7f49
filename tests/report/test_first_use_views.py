"""First-use defects of the run views (issue 12, item 13), on real recorded runs."""

from __future__ import annotations

import json

from report_support import Project
from rich.console import Console
from typer.testing import CliRunner

from codefit.cli import app
from codefit.report.compare_view import compare_view
from codefit.report.summary import run_summary
from codefit.report.terminal import runs_view

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
    assert first["status"] == "met" and first["optimizer"] == "command"
    assert first["validation"] == 1.0 and first["steps"] >= 2


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


def test_diff_without_a_step_is_the_whole_run_patch(project: Project) -> None:
    result = runner.invoke(app, ["diff", project.first, "--raw", "-C", str(project.repo)])
    assert result.exit_code == 0, result.output
    assert "+    return a + b" in result.output
    assert "if (a, b) == (1, 2)" not in result.output  # step 1's special case, undone by step 2
    assert result.output.startswith("diff --git")
