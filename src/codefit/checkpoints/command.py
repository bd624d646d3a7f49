"""What `codefit fit` and `codefit demo` do with a config that declares checkpoints."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from codefit.checkpoints.record import SeriesRecord
from codefit.checkpoints.series import fit_series
from codefit.checkpoints.view import checkpoint_rows, checkpoints_table, forgetting_lines
from codefit.config import LoadedConfig
from codefit.harness.callbacks import Callback
from codefit.harness.plan import RunPlan
from codefit.report.terminal import ProgressPrinter
from codefit.store import Store


def fit_checkpoints(
    console: Console,
    loaded: LoadedConfig,
    *,
    optimizer: str | None = None,
    steps: int | None = None,
    dirty: bool = False,
) -> SeriesRecord:
    """Train every checkpoint with a progress display, then print the checkpoints table."""
    count = len(loaded.config.checkpoints)

    def progress(index: int, plan: RunPlan) -> Sequence[Callback]:
        name = loaded.config.checkpoints[index].name
        console.print(f"[bold]checkpoint {index + 1} of {count}: {name}[/]")
        return [ProgressPrinter(console, plan.max_steps)]

    series = fit_series(
        loaded,
        Store.for_repo(loaded.root),
        optimizer=optimizer,
        steps=steps,
        dirty=dirty,
        callbacks_for=progress,
    )
    print_series(console, series)
    return series


def print_series(console: Console, series: SeriesRecord) -> None:
    rows = checkpoint_rows(series)
    console.print(checkpoints_table(rows, title=f"checkpoints of series {series.id}"))
    for line in forgetting_lines(rows):
        console.print(line, markup=False)
    met = sum(1 for c in series.checkpoints if c.met)
    console.print(f"series {series.id}: {met} of {series.count} checkpoints met", markup=False)
