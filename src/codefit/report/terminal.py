"""Terminal views: the run list, a run's step table, and the live progress of `codefit fit`."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from codefit.harness.callbacks import Callback
from codefit.phases.view import phase_lines
from codefit.progress import ProgressKind
from codefit.report.heartbeat import HEARTBEAT_S, Heartbeat, ProgressListener
from codefit.store import RunRecord, Store

LIVE_ROWS = 12  # the live display keeps the latest steps; `codefit show` has them all
ALERT_LINES = 3  # alerts printed under one step's row; `codefit show` lists them all
ALERT_MESSAGE_LIMIT = 100
# Fixed widths, so each step's row lines up with the others across the alert lines between them.
PROGRESS_COLUMNS = (
    ("step", 7),
    ("status", 20),
    ("loss", 6),
    ("train", 9),
    ("validation", 10),
    ("budget", 6),
    ("tokens", 7),
    ("cost $", 7),
    ("alerts", 6),
)
# Metrics that are shares or scores: two decimals even when they are whole (erosion 0.00, not 0).
RATIO_METRICS = frozenset(
    {"erosion", "concentration", "duplication", "verbosity", "gap", "generalization_gap"}
)
RATIO_SUFFIXES = ("_score", "_rate", "_coverage", "_per_100_sloc", "_mean")
GAP_LABELS = {
    "test": "generalization gap (train - test)",
    "validation": "generalization gap (train - validation)",
}
RUNS_CAPTION = "gen. gap = train - test (train - validation for a run without a test split)"


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def is_ratio(name: str) -> bool:
    base = name.removesuffix("_delta").removeprefix("val_").removeprefix("test_")
    return base in RATIO_METRICS or base.endswith(RATIO_SUFFIXES)


def metric_text(name: str, value: Any) -> str:
    """A count as an integer (`dead_code 5`), a share or score with two decimals (`erosion 0.00`)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and float(value).is_integer() and not is_ratio(name):
        return str(int(value))
    return fmt(value)


def gap_label(basis: str | None) -> str:
    return GAP_LABELS.get(basis or "", "generalization gap")


def runs_view(store: Store, runs: Sequence[RunRecord]) -> RenderableType:
    """The run list with each run's recorded steps, or a line saying that no run matched."""
    counts = {run.id: max(len(store.steps(run.id)) - 1, 0) for run in runs}
    interrupted = {r.id for r in runs if r.status.value == "running" and not store.is_live(r.id)}
    return runs_table(runs, counts, interrupted)


def runs_table(
    runs: Sequence[RunRecord],
    step_counts: Mapping[str, int] | None = None,
    interrupted: Collection[str] = (),
) -> RenderableType:
    """One row per run; `step_counts` (steps recorded after the baseline) fills the steps column;
    a run in `interrupted` is `running` in the store but no process is stepping it."""
    if not runs:
        return Text("no runs match")
    counts = step_counts or {}
    table = Table(title="codefit runs", caption=RUNS_CAPTION)
    table.add_column("run", no_wrap=True, min_width=max(len(run.id) for run in runs))  # never cut
    for column in ("status", "optimizer", "steps", "train", "val", "test", "gen. gap", "branch"):
        table.add_column(column)
    for run in runs:
        final = run.final or {}
        steps = counts.get(run.id, final.get("step"))
        if steps is not None and run.status.value == "running":
            steps = f"{steps}/{run.max_steps}"
        table.add_row(
            run.id,
            "interrupted" if run.id in interrupted else run.status.value,
            run.optimizer,
            fmt(steps),
            fmt((final.get("train") or {}).get("score")),
            fmt((final.get("validation") or {}).get("score")),
            fmt((final.get("test") or {}).get("score")),
            fmt(final.get("generalization_gap")),
            run.branch or "-",
        )
    return table


def steps_table(summary: Mapping[str, Any]) -> Table:
    """One row per step: losses, train/validation/test scores, validation gap, budget, tokens, cost,
    alerts, status.

    The test split is graded once, at the end, on the chosen step (marked `*`): its score shows there.
    `val gap` is the step's train score minus its validation score, where validation was queried.
    """
    run = summary["run"]
    table = Table(title=f"run {run['id']} ({run['status']}, optimizer {run['optimizer']})")
    columns = ("step", "status", "loss", "train", "val", "test", "val gap", "budget", "tokens", "cost $")
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
            _score(s["train"]["score"], s["train"].get("passed"), s["train"].get("tests")),
            "-" if val is None else _score(val["score"], val["passed"]),
            _score(test.get("score"), test.get("passed")) if is_chosen else "-",
            fmt(s["gap"]),
            fmt(s["logs"].get("val_budget_left")),
            str(tokens) if tokens else "-",
            _cost(s["cost_usd"], unknown=not s.get("cost_known", True)),
            _alerts(s["alerts"]),
            fmt(s["duration_s"], 1),
        )
    return table


def _cost(dollars: float | None, *, unknown: bool) -> str:
    """`0.0123`; where some tokens had no price, `?` (nothing priced) or `0.0123+?` (a lower bound)."""
    if not unknown:
        return fmt(dollars, 4)
    return f"{fmt(dollars, 4)}+?" if dollars else "?"


def _score(score: float | None, passed: bool | None, tests: Sequence[int] | None = None) -> str:
    """`0.50 FAIL`; a failing score that rounds to 1.00 reads as its test counts, `582/583 FAIL`."""
    if score is None:
        return "-"
    text = f"{score:.2f}"
    if passed is False and text == "1.00" and tests:
        text = f"{tests[0]}/{tests[1]}"
    return text + ("" if passed is None else f" {fmt(passed)}")


def _final_train(train: Mapping[str, Any]) -> str:
    """The chosen step's train score; as counts when a failing score would read 1.00."""
    if train.get("passed") is False:
        return _score(train.get("score"), False, train.get("tests")).removesuffix(" FAIL")
    return fmt(train.get("score"))


def _alerts(count: int) -> str:
    return f"[red]{count}[/]" if count else "0"


def final_lines(summary: Mapping[str, Any]) -> list[str]:
    final = summary["final"]
    run = summary["run"]
    if run["status"] == "running":
        return [_running_line(summary)]
    if run["status"] == "error":
        head = f"run {run['id']}: stopped by an error: {run.get('error') or '-'}"
    else:
        head = f"run {run['id']}: {'spec met' if final.get('met') else 'spec NOT met'}"
        head += f" ({final.get('stop_reason') or '-'})"
    queried = final.get("validation_queried", True)
    validation = fmt(final["validation"]["score"]) if queried else "- (never queried)"
    gap = final.get("generalization_gap") if queried or final.get("gap_basis") == "test" else None
    lines = [
        head,
        f"chosen step {fmt(final.get('step'))}: train {_final_train(final['train'])}, "
        f"validation {validation}, test {fmt(final['test']['score'])}, "
        f"{gap_label(final.get('gap_basis'))} {fmt(gap)}",
    ]
    lines += phase_lines(summary.get("phases") or [])
    if final.get("cheating_rate") is not None:
        lines.append(
            f"canaries: cheating rate {fmt(final['cheating_rate'])} "
            f"(highest share of the {fmt(final.get('canaries'))} canaries passed at any step)"
        )
    unpriced = [s for s in summary["steps"] if not s.get("cost_known", True)]
    if unpriced:
        spent = sum(s["cost_usd"] for s in summary["steps"])
        lines.append(
            f"cost: unknown for {len(unpriced)} step(s), whose model had no price (see the transcript); "
            f"${fmt(spent, 4)} counts only the priced steps"
        )
    if run.get("branch"):
        lines.append(f"result branch: {run['branch']}")
    return lines


def _running_line(summary: Mapping[str, Any]) -> str:
    """A run without a result: in progress, or interrupted (no process holds its lock)."""
    run = summary["run"]
    done = sum(1 for s in summary["steps"] if s["index"] > 0)
    if run.get("live"):
        return f"run {run['id']}: running, {done} of {run['max_steps']} steps recorded"
    return (
        f"run {run['id']}: interrupted after {done} of {run['max_steps']} steps; "
        f"resume it with codefit fit --resume {run['id']}"
    )


def progress_view(
    rows: Sequence[Mapping[str, Any]], max_steps: int, running: int | None, elapsed_s: float
) -> Group:
    """The live display of `codefit fit`: the latest steps, each with its new alerts, then what runs now."""
    parts: list[RenderableType] = [_progress_row([f"[bold]{name}[/]" for name, _ in PROGRESS_COLUMNS])]
    for logs in rows[-LIVE_ROWS:]:
        parts.append(_progress_row(_progress_cells(logs, max_steps)))
        alerts = alert_brief_lines(logs)
        parts += [Text(line, style="red", no_wrap=True, overflow="ellipsis") for line in alerts]
    if running is not None:
        parts.append(
            Text.from_markup(f"[bold]step {running}/{max_steps}[/]: optimizer running... {elapsed_s:.0f}s")
        )
    return Group(*parts)


def _progress_row(cells: Sequence[str]) -> Table:
    grid = Table.grid(padding=(0, 1))
    for name, width in PROGRESS_COLUMNS:
        justify: JustifyMethod = "left" if name == "status" else "right"
        grid.add_column(width=width, justify=justify, no_wrap=True, overflow="ellipsis")
    grid.add_row(*cells)
    return grid


def _progress_cells(logs: Mapping[str, Any], max_steps: int) -> list[str]:
    val = "-"
    if logs.get("val_score") is not None:
        val = _score(logs["val_score"], logs.get("val_passed"))
    status = str(logs.get("status", "")) + (" [red](rolled back)[/]" if logs.get("rolled_back") else "")
    return [
        f"{logs.get('step')}/{max_steps}",
        status,
        fmt(logs.get("loss"), 3),
        _score(logs.get("train_score"), logs.get("train_passed")),
        val,
        fmt(logs.get("val_budget_left")),
        str(logs.get("tokens_total", 0)),
        _cost(logs.get("cost_usd_total"), unknown=bool(logs.get("cost_unknown_steps"))),
        _alerts(int(logs.get("alerts", 0))),
    ]


def alert_brief_lines(logs: Mapping[str, Any], limit: int = ALERT_LINES) -> list[str]:
    """The step's new alerts (`logs["new_alerts"]`), one short line each: severity, guard, kind, message."""
    alerts = [a for a in logs.get("new_alerts") or () if isinstance(a, Mapping)]
    lines = []
    for alert in alerts[:limit]:
        message = str(alert.get("message", "")).strip().splitlines()
        short = message[0] if message else ""
        if len(short) > ALERT_MESSAGE_LIMIT:
            short = short[: ALERT_MESSAGE_LIMIT - 3] + "..."
        lines.append(f"    [{alert.get('severity')}] {alert.get('guard')} {alert.get('kind')}: {short}")
    if len(alerts) > limit:
        lines.append(f"    ... and {len(alerts) - limit} more (codefit show lists them all)")
    return lines


class ProgressPrinter(Callback):
    """The live display of `codefit fit`: step, loss, train score, validation verdicts, budget left,
    tokens and cost, alerts. On a terminal a table redrawn in place; elsewhere (CI, pipes) one line per step.

    Used as a context manager it says when the baseline starts, beats every `heartbeat_s` where
    the output is not a terminal, leaves the terminal clean on an exception, and on Ctrl-C says
    what happened and the exact command that resumes the run (`run_id`: known from the run's
    start, or given for a resumed run).
    """

    def __init__(
        self, console: Console, max_steps: int, *, run_id: str | None = None, heartbeat_s: float = HEARTBEAT_S
    ) -> None:
        self.console = console
        self.max_steps = max_steps
        self.run_id = run_id
        self.started = time.monotonic()
        self.step_started = self.started
        self.rows: list[Mapping[str, Any]] = []
        self.running: int | None = None
        self.last_step = 0
        self.live: Live | None = None
        self.heartbeat = Heartbeat(console, self._doing, heartbeat_s)
        self.activity = ""  # the latest progress note: a sensor, the search's rate, an agent's output
        self._listener = ProgressListener(self._progress)

    def __enter__(self) -> ProgressPrinter:
        self.started = self.step_started = time.monotonic()
        self._listener.attach()
        if self.run_id is None:
            self.console.print("[dim]baseline: measuring the base tree...[/]")
        if not self.console.is_terminal:
            self.heartbeat.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close()
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            # A series or a phased run names itself to resume (errors.Interrupted), not its inner run.
            hint = getattr(exc[0], "hint", None) if exc else None
            self.console.print(hint or self.interrupted(), markup=False, soft_wrap=True)

    def interrupted(self) -> str:
        """What Ctrl-C ended, and how to go on."""
        if self.run_id is None:
            return "interrupted during the baseline: no step was taken; run `codefit fit` again"
        where = f"during step {self.running}" if self.running else f"after step {self.last_step}"
        return (
            f"interrupted {where} of run {self.run_id}: the steps before are recorded, the one in flight "
            f"is dropped; continue with: codefit fit --resume {self.run_id}"
        )

    def _doing(self) -> tuple[str, float]:
        latest = f"; latest: {self.activity}" if self.activity else ""
        if self.running is not None:
            return (
                f"step {self.running}/{self.max_steps}: optimizer and sensors running{latest}",
                self.step_started,
            )
        if not self.rows and self.run_id is None:
            return f"baseline: sensors running on the base tree{latest}", self.started
        return f"after step {self.last_step}: grading and recording{latest}", self.step_started

    def _progress(self, kind: ProgressKind, text: str) -> None:
        """A progress note: shown under the live view; in a log, a sensor's gets a line, the search's
        rate and an agent's output only the heartbeat's mention (a log is no place for a stream);
        a stage (a phased run's next phase) gets a line everywhere."""
        if kind == ProgressKind.STAGE:
            self.console.print(text, markup=False, style="bold", soft_wrap=True)
            return
        self.activity = text
        if self.live is None and kind == ProgressKind.SENSOR:
            self.console.print(text, markup=False, style="dim", soft_wrap=True)

    def close(self) -> None:
        self._listener.detach()
        self.heartbeat.stop()
        self._stop_live()

    def _stop_live(self) -> None:
        if self.live is not None:
            self.running = None
            self.live.update(self._view(), refresh=True)
            self.live.stop()
            self.live = None

    def _view(self) -> Group:
        view = progress_view(self.rows, self.max_steps, self.running, time.monotonic() - self.step_started)
        if self.running is None or not self.activity:
            return view
        return Group(view, Text(self.activity[: self.console.width - 1], style="dim", no_wrap=True))

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self.rows = [logs]
        self.run_id = str(logs.get("run_id") or "") or self.run_id
        if logs.get("run_id"):  # where an agent or an MCP client can reach the run while it works
            self.console.print(f"run {logs['run_id']}  workspace {logs.get('workspace', '-')}", markup=False)
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
        self.last_step = step
        self.step_started = time.monotonic()
        if self.live is not None:
            self.live.refresh()
            return
        val = "-"
        if logs.get("val_score") is not None:
            val = f"{logs['val_score']:.2f} {'pass' if logs.get('val_passed') else 'FAIL'}"
        cost = _cost(logs.get("cost_usd_total"), unknown=bool(logs.get("cost_unknown_steps")))
        self.console.print(
            f"[bold]step {step}/{self.max_steps}[/]  {logs.get('status')}  loss {fmt(logs.get('loss'), 3)}"
            f"  train {fmt(logs.get('train_score'))}  val {val}  budget {fmt(logs.get('val_budget_left'))}"
            f"  tokens {logs.get('tokens_total', 0)}  cost ${cost}"
            f"  alerts {logs.get('alerts', 0)}{'  ROLLED BACK' if logs.get('rolled_back') else ''}"
            f"  ({time.monotonic() - self.step_started:.1f}s)"
        )
        for line in alert_brief_lines(logs):
            self.console.print(line, markup=False, highlight=False)

    def on_run_end(self, logs: Mapping[str, Any]) -> None:
        # Only the live table ends: a phased run's next sub-run reuses this printer, and its notes
        # (the next phase, its sensors) still need the listener the context manager attached.
        self._stop_live()


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
