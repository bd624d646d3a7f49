"""`codefit sweep SWEEP.toml` runs a sweep; `codefit sweep show ID|latest [--json]` shows one;
`codefit sweep export ID|latest` logs one into MLflow (a parent run, a child run per trial)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codefit.store import Store

console = Console(highlight=False, soft_wrap=True)
notes = Console(highlight=False, soft_wrap=True, stderr=True)  # beside --json, whose stdout is JSON only


def sweep_command(
    target: Annotated[str, typer.Argument(help="A sweep file to run, or `show` or `export`.")],
    sweep: Annotated[
        str | None, typer.Argument(help="With `show` or `export`: a sweep id, prefix or `latest`.")
    ] = None,
    executor: Annotated[str, typer.Option(help="local (a process pool) or ray.")] = "local",
    workers: Annotated[int | None, typer.Option(min=1, help="Trials at once (default: the cores).")] = None,
    address: Annotated[str | None, typer.Option(help="A Ray cluster's address (ray executor).")] = None,
    resume: Annotated[str | None, typer.Option(help="Run only what sweep ID did not finish.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With `show`: one JSON object.")] = False,
    html: Annotated[Path | None, typer.Option(help="With `show`: also write the sweep's HTML page.")] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            help="With `export`: MLflow tracking URI (default: $MLFLOW_TRACKING_URI or STORE/mlflow.db)."
        ),
    ] = None,
    experiment: Annotated[str, typer.Option(help="With `export`: the MLflow experiment.")] = "codefit",
    artifact_location: Annotated[
        str | None, typer.Option(help="With `export`: where a new MLflow experiment keeps its artifacts.")
    ] = None,
    store_dir: Annotated[
        Path, typer.Option("--store", help="Where sweeps and their runs are recorded.")
    ] = Path(".codefit"),
) -> None:
    """Sweep harness settings over a task suite; each trial is one ordinary fit run."""
    from codefit.experiments.results import summarise, table_lines
    from codefit.experiments.sweep import load_sweep, read_state, resolve_sweep, run_sweep

    store = Store(store_dir.resolve())
    if target == "export":
        _export(store, resolve_sweep(store, sweep or "latest"), tracking_uri, experiment, artifact_location)
        return
    if target == "show":
        state = read_state(store, resolve_sweep(store, sweep or "latest"))
        summary = summarise(state)
        if html is not None:
            from codefit.experiments.results import latest_trials
            from codefit.report.sweep_page import write_sweep_page

            written = write_sweep_page(summary, latest_trials(state), html)
            (notes if as_json else console).print(f"wrote {written}", markup=False)
        from codefit.checkpoints.sweep_view import sweep_checkpoint_lines, sweep_checkpoints
        from codefit.experiments.results import latest_trials

        checkpoints = sweep_checkpoints(latest_trials(state))  # tasks with checkpoints: met per setting
        if as_json:
            print(json.dumps({**summary, "checkpoints": checkpoints} if checkpoints else summary, indent=2))
        else:
            for line in [*table_lines(summary), *sweep_checkpoint_lines(checkpoints)]:
                console.print(line, markup=False)
        return
    spec = load_sweep(Path(target))
    sweep_id = run_sweep(
        spec,
        store,
        executor=executor,
        workers=workers,
        address=address,
        resume=resume,
        progress=lambda line: console.print(line, markup=False),
    )
    for line in table_lines(summarise(read_state(store, sweep_id))):
        console.print(line, markup=False)


def _export(
    store: Store, sweep_id: str, tracking_uri: str | None, experiment: str, artifact_location: str | None
) -> None:
    from codefit.experiments.export import export_sweep_mlflow
    from codefit.report.export import default_artifact_location

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{store.root / 'mlflow.db'}"
    artifacts = artifact_location or default_artifact_location(uri, store.root / "mlartifacts")
    done = export_sweep_mlflow(
        store, sweep_id, tracking_uri=uri, experiment=experiment, artifact_location=artifacts
    )
    console.print(
        f"exported sweep {sweep_id} to MLflow run {done.parent} with {len(done.children)} child runs "
        f"(experiment {experiment!r}, tracking URI {uri})",
        markup=False,
    )
