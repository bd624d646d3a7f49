"""Terminal views: the step table's columns, a step's log, and the diff, rendered from real runs."""

from __future__ import annotations

import io

from report_support import Project
from rich.console import Console

from codefit.report.log_view import diff_view, log_view
from codefit.report.summary import run_summary
from codefit.report.terminal import ProgressPrinter, progress_view, steps_table
from codefit.report.trajectory import run_trajectory


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
