"""Terminal views: the step table's columns, a step's log, and the diff, rendered from real runs."""

from __future__ import annotations

import io

from report_support import Project, copy_run
from rich.console import Console

from codefit.report.log_view import diff_view, log_view
from codefit.report.summary import run_summary
from codefit.report.terminal import (
    ProgressPrinter,
    final_lines,
    metric_text,
    progress_view,
    runs_view,
    steps_table,
)
from codefit.report.trajectory import run_trajectory
from codefit.store import RunStatus, Store


def render(renderable: object) -> str:
    console = Console(record=True, width=160, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_step_table_shows_losses_scores_gap_budget_tokens_cost_alerts_and_status(project: Project) -> None:
    summary = run_summary(project.store, project.store.run(project.first))
    text = render(steps_table(summary))
    header = next(line for line in text.splitlines() if "step" in line and "loss" in line)
    for column in ("status", "loss", "train", "val", "test", "gap", "budget", "tokens", "cost $", "alerts"):
        assert column in header
    rows = {line.split()[1]: line for line in text.splitlines() if line.strip().startswith("│")}
    assert "baseline" in rows["0"]
    step1_alerts = sum(1 for step, _, _ in project.store.alerts(project.first) if step == 1)
    assert "FAIL" in rows["1"] and f" {step1_alerts} " in rows["1"]  # failed train; carries alerts
    assert "1.00 pass" in rows["2"]  # validation passed at step 2, the chosen step (marked *)
    assert "*" in rows["2"]


def test_log_view_shows_the_feedback_received_the_transcript_and_the_feedback_produced(
    project: Project,
) -> None:
    t = run_trajectory(project.store, project.store.run(project.first))
    text = render(log_view(t["run"]["id"], t["steps"][2]))
    received = text.index("feedback received")
    transcript = text.index("transcript (1 events)")
    produced = text.index("feedback produced")
    assert received < transcript < produced
    assert "test_two_plus_two" in text[received:transcript]
    assert "step 2: rewrote src/calc.py" in text[transcript:produced]
    assert "exit_code: 0" in text


def test_log_view_lists_the_step_alerts_with_evidence(project: Project) -> None:
    t = run_trajectory(project.store, project.store.run(project.first))
    text = render(log_view(t["run"]["id"], t["steps"][1]))
    assert "alert [warn] tamper: the change special-cases" in text
    assert "(src/calc.py:2)" in text


def test_diff_view_of_an_empty_change_says_so() -> None:
    assert "(no change)" in render(diff_view(""))
    assert "+x" in render(diff_view("--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+x\n"))


def drive(printer: ProgressPrinter, project: Project) -> None:
    """Feed the printer the logs a real run recorded, in the order the loop calls the hooks."""
    logs = [s.logs for s in project.store.steps(project.first)]
    printer.on_run_begin(logs[0])
    for step_logs in logs[1:]:
        printer.on_step_begin(step_logs["step"], {})
        printer.on_step_end(step_logs["step"], step_logs)
    printer.on_run_end({"met": True})


def test_progress_on_a_terminal_is_a_live_table_with_budget_tokens_cost_and_alerts(project: Project) -> None:
    console = Console(record=True, width=140, force_terminal=True, color_system=None, file=io.StringIO())
    printer = ProgressPrinter(console, max_steps=4)
    drive(printer, project)
    assert printer.live is None  # stopped at the end of the run
    text = console.export_text()
    header = next(line for line in text.splitlines() if "validation" in line and "budget" in line)
    for column in ("loss", "train", "tokens", "cost $", "alerts"):
        assert column in header
    assert "2/4" in text and "1.00 pass" in text


def test_progress_elsewhere_prints_one_line_per_step(project: Project) -> None:
    console = Console(record=True, width=200, color_system=None, file=io.StringIO())
    printer = ProgressPrinter(console, max_steps=4)
    drive(printer, project)
    lines = [line for line in console.export_text().splitlines() if line.startswith("step ")]
    assert [line.split()[1] for line in lines if "loss" in line] == ["1/4", "2/4"]
    assert "val 1.00 pass" in lines[-1] and "budget 2" in lines[-1]


def test_progress_view_shows_the_running_step() -> None:
    text = render(progress_view([{"step": 0, "status": "baseline", "loss": 1.0}], 5, running=1, elapsed_s=3))
    assert "step 1/5: optimizer running... 3s" in text


def test_show_labels_the_step_gap_val_gap_and_the_final_gap_by_the_split_it_subtracts(
    project: Project,
) -> None:
    summary = run_summary(project.store, project.store.run(project.first))
    header = next(line for line in render(steps_table(summary)).splitlines() if "loss" in line)
    assert "val gap" in header
    # no test split in this harness: the generalization gap is train minus validation
    assert "generalization gap (train - validation) 0.00" in final_lines(summary)[1]
    summary["final"]["gap_basis"] = "test"
    assert "generalization gap (train - test)" in final_lines(summary)[1]


def test_a_running_run_shows_its_steps_so_far_and_how_to_resume_not_a_verdict(
    project: Project, scratch_store: Store
) -> None:
    run_id = copy_run(
        project.store, project.first, scratch_store, "r-running", status=RunStatus.RUNNING, final=None
    )
    summary = run_summary(scratch_store, scratch_store.run(run_id))
    assert final_lines(summary) == [
        "run r-running: interrupted after 2 of 4 steps; resume it with codefit fit --resume r-running"
    ]
    table = render(runs_view(scratch_store, [scratch_store.run(run_id)]))
    row = next(line for line in table.splitlines() if "r-running" in line)
    assert row.split("│")[2].strip() == "interrupted" and row.split("│")[4].strip() == "2/4"
    with scratch_store.stepping(run_id):  # a live process holds the run: it is running, not interrupted
        summary = run_summary(scratch_store, scratch_store.run(run_id))
        assert final_lines(summary) == ["run r-running: running, 2 of 4 steps recorded"]
        table = render(runs_view(scratch_store, [scratch_store.run(run_id)]))
        row = next(line for line in table.splitlines() if "r-running" in line)
        assert row.split("│")[2].strip() == "running"


def test_the_run_list_counts_recorded_steps_and_labels_the_generalization_gap(project: Project) -> None:
    text = render(runs_view(project.store, [project.store.run(project.first)]))
    row = next(line for line in text.splitlines() if project.first in line)
    assert row.split("│")[4].strip() == "2"
    assert "gen. gap" in text and "gen. gap = train - test" in text


def test_an_empty_run_list_says_no_runs_match(project: Project) -> None:
    assert render(runs_view(project.store, [])).strip() == "no runs match"


def test_the_canary_cheating_rate_is_part_of_the_final_summary(
    project: Project, scratch_store: Store
) -> None:
    final = {**(project.store.run(project.first).final or {}), "cheating_rate": 0.5, "canaries": 2}
    run_id = copy_run(project.store, project.first, scratch_store, "r-canaries", final=final)
    summary = run_summary(scratch_store, scratch_store.run(run_id))
    assert (summary["final"]["cheating_rate"], summary["final"]["canaries"]) == (0.5, 2)
    assert "canaries: cheating rate 0.50 (highest share of the 2 canaries passed at any step)" in (
        final_lines(summary)
    )


def test_counts_print_as_integers_and_shares_with_two_decimals() -> None:
    assert [metric_text(k, v) for k, v in [("dead_code", 5.0), ("sloc", 66.0), ("mutants_killed", 3.0)]] == [
        "5",
        "66",
        "3",
    ]
    shares = [("erosion", 0.0), ("val_mutation_score", 1.0), ("line_coverage", 1.0), ("erosion_delta", 0.25)]
    assert [metric_text(k, v) for k, v in shares] == ["0.00", "1.00", "1.00", "0.25"]
    assert metric_text("complexity_mean", 2.5) == "2.50"


NEW_ALERTS = [
    {
        "guard": "hardcoding",
        "kind": "special_case",
        "severity": "block",
        "message": "returns 3 for (1, 2)\nmore",
    },
    {"guard": "quality-drift", "kind": "erosion-drift", "severity": "warn", "message": "x" * 300},
]


def test_progress_prints_each_new_alert_under_its_step_line() -> None:
    console = Console(record=True, width=200, color_system=None, file=io.StringIO())
    printer = ProgressPrinter(console, max_steps=4)
    printer.on_run_begin({"step": 0, "loss": 1.0})
    printer.on_step_begin(1, {})
    printer.on_step_end(1, {"step": 1, "status": "edited", "alerts": 2, "new_alerts": NEW_ALERTS})
    lines = console.export_text().splitlines()
    step = next(i for i, line in enumerate(lines) if line.startswith("step 1/4") and "loss" in line)
    assert lines[step + 1] == "    [block] hardcoding special_case: returns 3 for (1, 2)"
    assert lines[step + 2] == "    [warn] quality-drift erosion-drift: " + "x" * 97 + "..."


def test_the_live_display_shows_the_alerts_under_their_step_row() -> None:
    rows = [
        {"step": 0, "status": "baseline", "loss": 1.0},
        {"step": 1, "status": "edited", "loss": 0.5, "alerts": 2, "new_alerts": NEW_ALERTS},
        {"step": 2, "status": "edited", "loss": 0.2},
    ]
    lines = [line.rstrip() for line in render(progress_view(rows, 4, running=None, elapsed_s=0)).splitlines()]
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("1/4"))
    assert lines[first + 1] == "    [block] hardcoding special_case: returns 3 for (1, 2)"
    assert lines[first + 2].startswith("    [warn] quality-drift erosion-drift: xxx")
    assert lines[first + 3].lstrip().startswith("2/4")
    # the rows line up: each column starts at the same place in the header and in every step row
    header = next(line for line in lines if "validation" in line)
    assert lines[first].index("0.500") + len("0.500") == header.index("loss") + len("loss")


def test_progress_starts_with_the_run_and_its_workspace() -> None:
    console = Console(record=True, width=200, color_system=None, file=io.StringIO())
    printer = ProgressPrinter(console, max_steps=2)
    printer.on_run_begin({"step": 0, "loss": 1.0, "run_id": "r1", "workspace": "/tmp/codefit/r1/ws"})
    assert console.export_text().splitlines()[0] == "run r1  workspace /tmp/codefit/r1/ws"
