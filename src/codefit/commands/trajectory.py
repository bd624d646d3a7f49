"""Commands that read trajectories: diff, log, compare, replay, report, ui, export.

`register(app)` mounts them on the `codefit` typer app.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codefit.report.trajectory import find_step, run_trajectory
from codefit.store import Store
from codefit.workspace.git import repo_root

# Piped output gets a wide page, as in cli.py: run ids and tables are never cut to 80 columns.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)

RepoOption = Annotated[
    Path, typer.Option("--repo", "-C", help="The repository (default: current directory).")
]
RunArg = Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")]
StepArg = Annotated[int, typer.Argument(help="Step index (0 is the baseline).")]


class ExportTarget(StrEnum):
    JSONL = "jsonl"
    MLFLOW = "mlflow"


def _store(repo: Path) -> Store:
    return Store.existing(repo_root(repo))


def diff_command(
    run: RunArg,
    step: Annotated[
        int | None, typer.Argument(help="Step index (0 is the baseline); omitted: the whole run's patch.")
    ] = None,
    repo: RepoOption = Path("."),
    raw: Annotated[
        bool, typer.Option("--raw", help="Print the plain patch (the default when not on a terminal).")
    ] = False,
) -> None:
    """The change one step made, or the whole run's change (base to chosen step), as a patch."""
    from codefit.phases.patch import phased_patch
    from codefit.phases.records import PHASED
    from codefit.report.log_view import diff_view
    from codefit.report.run_patch import run_patch

    store = _store(repo)
    record = store.run(run)
    if step is None and record.optimizer == PHASED:  # no steps of its own: base to its last sub-run's result
        text = phased_patch(store, record, repo_root(repo))
    elif step is None:
        text = run_patch(store, record, repo_root(repo))
    else:
        text = store.blobs.text(find_step(store, record, step).diff_blob)
    if raw or not console.is_terminal:  # a pipe gets the patch as it is: wrapping would break it
        typer.echo(text, nl=False)
    else:
        console.print(diff_view(text))


def log_command(run: RunArg, step: StepArg, repo: RepoOption = Path(".")) -> None:
    """The feedback the optimizer received at a step, its transcript, and the feedback it produced."""
    from codefit.report.log_view import log_view

    store = _store(repo)
    trajectory = run_trajectory(store, store.run(run))
    found = [s for s in trajectory["steps"] if s["index"] == step]
    if not found:
        find_step(store, store.run(run), step)  # raises the "no such step" error
    console.print(log_view(trajectory["run"]["id"], found[0]))


def compare_command(
    runs: Annotated[list[str], typer.Argument(help="Two or more runs (ids, prefixes or 'latest').")],
    repo: RepoOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Runs side by side, grouped by harness fingerprint with bootstrap confidence intervals.

    Settings diff, outcome, convergence, curves, cost, alerts and quality at the end."""
    from codefit.checkpoints.record import run_or_series
    from codefit.report.compare import distinct_runs
    from codefit.report.compare_view import compare_view
    from codefit.report.html import comparison
    from codefit.report.summary import run_summary

    store = _store(repo)
    # A series' id stands for its last checkpoint's run.
    summaries = distinct_runs([run_summary(store, store.run(run_or_series(store, ref))) for ref in runs])
    if len(summaries) < 2:
        raise typer.BadParameter(f"compare needs at least two different runs; {' '.join(runs)} name one")
    from codefit.checkpoints.view import checkpoints_table, series_of_runs, series_side_by_side
    from codefit.phases.compare import phases_by_run, phases_table

    series = series_of_runs(store, [s["run"]["id"] for s in summaries])
    phased = phases_by_run(summaries)
    if as_json:
        compared = {**(comparison(summaries) or {}), "checkpoints": series, "phases": phased}
        typer.echo(json.dumps(compared, indent=2, default=str))
        return
    console.print(compare_view(summaries))
    if phased:  # phased runs: one row per phase
        console.print(phases_table(phased))
    if len(series) > 1:  # checkpoints of several series: one row per checkpoint
        console.print(series_side_by_side(series))
    for one in series:  # each series' own per-checkpoint table
        console.print(checkpoints_table(one["checkpoints"], title=f"checkpoints of series {one['series']}"))


def replay_command(
    run: RunArg,
    from_step: Annotated[int, typer.Option("--from", help="The checkpoint (step index) to start from.")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a harness setting: dotted.key=value (repeatable)."),
    ] = None,
    repo: RepoOption = Path("."),
    require_sandbox: Annotated[
        bool, typer.Option(help="Refuse to run when bubblewrap cannot confine the optimizer.")
    ] = False,
) -> None:
    """A new run, linked to RUN, from its checkpoint --from, with changed harness settings."""
    from codefit.cli import check_sandbox
    from codefit.report.replay import replay, replay_plan
    from codefit.report.summary import run_summary
    from codefit.report.terminal import ProgressPrinter, final_lines

    check_sandbox(require_sandbox)
    store = _store(repo)
    parent = store.run(run)
    max_steps = replay_plan(parent, set_ or []).max_steps
    history = replay(store, parent.id, from_step, set_ or [], [ProgressPrinter(console, max_steps)])
    summary = run_summary(store, store.run(history.run_id))
    console.print(f"replay of {parent.id} from step {from_step}: run {history.run_id}")
    for line in final_lines(summary):
        console.print(line)
    console.print(f"compare them: codefit compare {parent.id} {history.run_id}")
    raise typer.Exit(0 if history.met else 1)


def report_command(
    runs: Annotated[list[str], typer.Argument(help="One or more runs; several are compared.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    repo: RepoOption = Path("."),
) -> None:
    """One self-contained HTML file of one or more runs; works offline.

    Curves, gap, quality, cost, alerts, and each step's diff, feedback and transcript."""
    from codefit.report.html import write_report

    out = write_report(_store(repo), runs, output)
    console.print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def ui_command(
    repo: RepoOption = Path("."),
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 8765,
) -> None:
    """Serve the runs on loopback; a running run is followed as it progresses."""
    from codefit.report.ui import UIServer

    server = UIServer(repo_root(repo) / ".codefit", host=host, port=port)
    console.print(f"codefit ui: {server.url} (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        server.close()


def export_command(
    run: RunArg,
    to: Annotated[ExportTarget, typer.Option("--to", help="jsonl (an event log) or mlflow.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="jsonl: the file to write.")] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="mlflow: tracking URI (default: $MLFLOW_TRACKING_URI or .codefit/mlflow.db)."),
    ] = None,
    artifact_location: Annotated[
        str | None,
        typer.Option(
            help="mlflow: where a new experiment keeps its artifacts (default: mlartifacts/ beside a "
            "sqlite store, else .codefit/mlartifacts; a tracking server decides its own)."
        ),
    ] = None,
    experiment: Annotated[str, typer.Option(help="mlflow: experiment name.")] = "codefit",
    repo: RepoOption = Path("."),
) -> None:
    """Export a run: a plain JSON-lines event log, or an MLflow run with per-step metrics."""
    from codefit.report.export import default_artifact_location, export_jsonl, export_mlflow

    root = repo_root(repo)
    store = Store.for_repo(root)
    if to == ExportTarget.JSONL:
        out = export_jsonl(store, run, output or Path(f"{store.run(run).id}.jsonl"))
        console.print(f"wrote {out}")
        return
    uri = (
        tracking_uri
        or os.environ.get("MLFLOW_TRACKING_URI")
        or f"sqlite:///{root / '.codefit' / 'mlflow.db'}"
    )
    artifacts = artifact_location or default_artifact_location(uri, root / ".codefit" / "mlartifacts")
    mlflow_id = export_mlflow(
        store, run, tracking_uri=uri, experiment=experiment, artifact_location=artifacts
    )
    console.print(f"exported to MLflow run {mlflow_id} (experiment {experiment!r}, tracking URI {uri})")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)
    app.command("log")(log_command)
    app.command("compare")(compare_command)
    app.command("replay")(replay_command)
    app.command("report")(report_command)
    app.command("ui")(ui_command)
    app.command("export")(export_command)
