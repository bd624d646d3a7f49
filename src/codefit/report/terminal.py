"""Terminal views: the run list, a run's step table, and the live progress of `codefit fit`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from codefit.harness.callbacks import Callback
from codefit.store import RunRecord


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def runs_table(runs: Sequence[RunRecord]) -> Table:
    table = Table(title="codefit runs")
    for column in ("run", "status", "optimizer", "steps", "train", "val", "test", "gap", "branch"):
        table.add_column(column)
    for run in runs:
        final = run.final or {}
        table.add_row(
            run.id,
            run.status.value,
            run.optimizer,
            fmt(run.chosen_step),
            fmt((final.get("train") or {}).get("score")),
            fmt((final.get("validation") or {}).get("score")),
            fmt((final.get("test") or {}).get("score")),
            fmt(final.get("generalization_gap")),
            run.branch or "-",
        )
    return table


def steps_table(summary: Mapping[str, Any]) -> Table:
    run = summary["run"]
    table = Table(title=f"run {run['id']} ({run['status']}, optimizer {run['optimizer']})")
    for column in ("step", "status", "loss", "train", "val", "gap", "alerts", "cost $", "time s"):
        table.add_column(column, justify="right" if column not in ("status",) else "left")
    chosen = run.get("chosen_step")
    for s in summary["steps"]:
        val = s["validation"]
        marker = " *" if s["index"] == chosen else ""
        status = s["status"] + (" (rolled back)" if s["rolled_back"] else "")
        table.add_row(
            f"{s['index']}{marker}",
            status,
            fmt(s["loss"], 3),
            fmt(s["train"]["score"]),
            "-" if val is None else f"{val['score']:.2f} {fmt(val['passed'])}",
            fmt(s["gap"]),
            str(s["alerts"]),
            fmt(s["cost_usd"], 4),
            fmt(s["duration_s"], 1),
        )
    return table


def final_lines(summary: Mapping[str, Any]) -> list[str]:
    final = summary["final"]
    run = summary["run"]
    lines = [
        f"run {run['id']}: {'spec met' if final.get('met') else 'spec NOT met'}"
        f" ({final.get('stop_reason') or '-'})",
        f"chosen step {fmt(final.get('step'))}: train {fmt(final['train']['score'])}, "
        f"validation {fmt(final['validation']['score'])}, test {fmt(final['test']['score'])}, "
        f"generalization gap {fmt(final.get('generalization_gap'))}",
    ]
    if run.get("branch"):
        lines.append(f"result branch: {run['branch']}")
    return lines


class ProgressPrinter(Callback):
    """One line per step while `codefit fit` runs: loss, scores, blind verdicts, budget, cost, alerts."""

    def __init__(self, console: Console, max_steps: int) -> None:
        self.console = console
        self.max_steps = max_steps
        self.started = time.monotonic()
        self.step_started = self.started

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self.console.print(
            f"[bold]baseline[/]  loss {fmt(logs.get('loss'), 3)}  train {fmt(logs.get('train_score'))}"
            f"  validation budget {fmt(logs.get('val_budget_left'))}"
        )

    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        self.step_started = time.monotonic()
        self.console.print(f"[dim]step {step}/{self.max_steps}: optimizer running...[/]")

    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        val = "-"
        if logs.get("val_score") is not None:
            val = f"{logs['val_score']:.2f} {'pass' if logs.get('val_passed') else 'FAIL'}"
        self.console.print(
            f"[bold]step {step}/{self.max_steps}[/]  {logs.get('status')}  loss {fmt(logs.get('loss'), 3)}"
            f"  train {fmt(logs.get('train_score'))}  val {val}  budget {fmt(logs.get('val_budget_left'))}"
            f"  tokens {logs.get('tokens_total', 0)}  cost ${fmt(logs.get('cost_usd_total'), 4)}"
            f"  alerts {logs.get('alerts', 0)}{'  ROLLED BACK' if logs.get('rolled_back') else ''}"
            f"  ({time.monotonic() - self.step_started:.1f}s)"
        )
