"""`codefit fit --resume REF` where REF is a run made of runs: a checkpoint series (its id, or any
of its checkpoints' runs) is resumed here; a phased run's sub-run names the phased run to resume."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from codefit.config import load_config
from codefit.store import Store
from codefit.workspace.git import repo_root


def resume_long_run(console: Console, path: Path, config: Path | None, ref: str, *, steps: int | None) -> str:
    """Resume the series `ref` names and exit (0 when every checkpoint is met); otherwise the run
    that `fit --resume` should continue: the phased run `ref` is a sub-run of, or `ref` itself."""
    from codefit.checkpoints.command import resume_checkpoints
    from codefit.checkpoints.record import find_series
    from codefit.phases.records import phased_run_of

    repo = repo_root(path)
    store = Store.existing(repo)
    series = find_series(store, ref)
    if series is not None:
        loaded = load_config(repo, config) if config else None
        series = resume_checkpoints(console, store, series, loaded, steps=steps)
        console.print(f"inspect it: codefit show {series.checkpoints[-1].run_id} -C {repo}", markup=False)
        raise typer.Exit(0 if series.met else 1)
    run_id = store.run(ref).id
    parent = phased_run_of(store, run_id)
    if parent is None:
        return ref
    console.print(f"run {run_id} is a sub-run of phased run {parent}: resuming the phased run", markup=False)
    return parent
