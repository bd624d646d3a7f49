"""Terminal views: the run list, a run's step table, and the live progress of `codefit fit`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from codefit.harness.callbacks import Callback
from codefit.store import RunRecord

LIVE_ROWS = 12  # the live display keeps the latest steps; `codefit show` has them all


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
    """One row per step: losses, train/validation/test scores, gap, budget, tokens, cost, alerts, status.

    The test split is graded once, at the end, on the chosen step (marked `*`): its score shows there.
    """
    run = summary["run"]
    table = Table(title=f"run {run['id']} ({run['status']}, optimizer {run['optimizer']})")
    columns = ("step", "status", "loss", "train", "val", "test", "gap", "budget", "tokens", "cost $")
    for column in (*columns, "alerts", "time s"):
        table.add_column(column, justify="left" if column == "status" else "right")
    chosen = run.get("chosen_step")
    test = (summary.get("final") or {}).get("test") or {}
    for s in summary["steps"]:
        val = s["validation"]
        is_chosen = s["index"] == chosen
        status = s["status"] + (" (rolled back)" if s["rolled_back"] else "")
        tokens = s["tokens"]["input"] + s["tokens"]["output"]
        table.add_row(
            f"{s['index']}{' *' if is_chosen else ''}",
            status,
            fmt(s["loss"], 3),
            _score(s["train"]["score"], s["train"].get("passed")),
            "-" if val is None else _score(val["score"], val["passed"]),
            _score(test.get("score"), test.get("passed")) if is_chosen else "-",
            fmt(s["gap"]),
            fmt(s["logs"].get("val_budget_left")),
            str(tokens) if tokens else "-",
            fmt(s["cost_usd"], 4),
            _alerts(s["alerts"]),
            fmt(s["duration_s"], 1),
        )
    return table


def _score(score: float | None, passed: bool | None) -> str:
    if score is None:
        return "-"
    return f"{score:.2f}" + ("" if passed is None else f" {fmt(passed)}")


def _alerts(count: int) -> str:
    return f"[red]{count}[/]" if count else "0"


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


def progress_view(
    rows: Sequence[Mapping[str, Any]], max_steps: int, running: int | None, elapsed_s: float
) -> Group:
    """The live display of `codefit fit`: the latest steps, then what is running now."""
    table = Table(box=None, pad_edge=False)
    for column in ("step", "status", "loss", "train", "validation", "budget", "tokens", "cost $", "alerts"):
        table.add_column(column, justify="left" if column == "status" else "right")
    for logs in rows[-LIVE_ROWS:]:
        val = "-"
        if logs.get("val_score") is not None:
            val = _score(logs["val_score"], logs.get("val_passed"))
        status = str(logs.get("status", "")) + (" [red](rolled back)[/]" if logs.get("rolled_back") else "")
        table.add_row(
            f"{logs.get('step')}/{max_steps}",
            status,
            fmt(logs.get("loss"), 3),
            _score(logs.get("train_score"), logs.get("train_passed")),
            val,
            fmt(logs.get("val_budget_left")),
            str(logs.get("tokens_total", 0)),
            fmt(logs.get("cost_usd_total"), 4),
            _alerts(int(logs.get("alerts", 0))),
        )
    footer = Text("")
    if running is not None:
        footer = Text.from_markup(
            f"[bold]step {running}/{max_steps}[/]: optimizer running... {elapsed_s:.0f}s"
        )
    return Group(table, footer)


class ProgressPrinter(Callback):
    """The live display of `codefit fit`: step, loss, train score, validation verdicts, budget left,
    tokens and cost, alerts. On a terminal a table redrawn in place; elsewhere (CI, pipes) one line per step.

    Call `close()` (or use it as a context manager) if the run may end by an exception, so the
    terminal is left clean.
    """

    def __init__(self, console: Console, max_steps: int) -> None:
        self.console = console
        self.max_steps = max_steps
        self.started = time.monotonic()
        self.step_started = self.started
        self.rows: list[Mapping[str, Any]] = []
        self.running: int | None = None
        self.live: Live | None = None

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.live is not None:
            self.running = None
            self.live.update(self._view(), refresh=True)
            self.live.stop()
            self.live = None

    def _view(self) -> Group:
        return progress_view(self.rows, self.max_steps, self.running, time.monotonic() - self.step_started)

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self.rows = [logs]
        if self.console.is_terminal:
            self.live = Live(get_renderable=self._view, console=self.console, refresh_per_second=2)
            self.live.start()
            return
        self.console.print(
            f"[bold]baseline[/]  loss {fmt(logs.get('loss'), 3)}  train {fmt(logs.get('train_score'))}"
            f"  validation budget {fmt(logs.get('val_budget_left'))}"
        )

    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        self.step_started = time.monotonic()
        self.running = step
        if self.live is None:
            self.console.print(f"[dim]step {step}/{self.max_steps}: optimizer running...[/]")

    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        self.rows.append(logs)
        self.running = None
        if self.live is not None:
            self.live.refresh()
            return
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

    def on_run_end(self, logs: Mapping[str, Any]) -> None:
        self.close()


def alert_lines(summary: Mapping[str, Any], limit: int = 20) -> list[str]:
    """The run's alerts, one line per guard and kind: the steps it fired on and its latest message."""
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for alert in summary["alerts"]:
        grouped.setdefault((alert["guard"], alert["kind"]), []).append(alert)
    lines = []
    for (guard, kind), alerts in list(grouped.items())[:limit]:
        steps = ", ".join(str(s) for s in sorted({a["step"] for a in alerts}))
        last = alerts[-1]
        where = f" at {last['path']}:{last['line']}" if last.get("path") and last.get("line") else ""
        head = f"  [{last['severity']}] {guard} {kind} (steps {steps}; {last['action']})"
        lines.append(f"{head}{where}: {last['message']}")
    more = len(grouped) - limit
    if more > 0:
        lines.append(f"  ... and {more} more kinds (codefit show --json lists them all)")
    return ["alerts:", *lines] if lines else []
