"""What `codefit fit` and `codefit demo` do with a config that declares checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console

from codefit.checkpoints.record import SeriesRecord
from codefit.checkpoints.resume import resume_series, series_config
from codefit.checkpoints.series import fit_series
from codefit.checkpoints.view import checkpoint_rows, checkpoints_table, forgetting_lines
from codefit.config import LoadedConfig
from codefit.errors import Interrupted
from codefit.harness.callbacks import Callback
from codefit.harness.plan import RunPlan
from codefit.report.terminal import ProgressPrinter
from codefit.store import Store

Progress = Callable[[int, RunPlan], Sequence[Callback]]


def fit_checkpoints(
    console: Console,
    loaded: LoadedConfig,
    *,
    optimizer: str | None = None,
    steps: int | None = None,
    dirty: bool = False,
) -> SeriesRecord:
    """Train every checkpoint with a progress display, then print the checkpoints table."""
    with _progress(console, loaded) as progress:
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


def resume_checkpoints(
    console: Console,
    store: Store,
    series: SeriesRecord,
    loaded: LoadedConfig | None = None,
    *,
    steps: int | None = None,
) -> SeriesRecord:
    """`fit --resume` of a series: what it finished, then the rest trained with a progress display."""
    done = len(series.checkpoints)
    console.print(
        f"series {series.id}: {done} of {series.count} checkpoints finished; "
        f"continuing at checkpoint {done + 1}",
        markup=False,
    )
    loaded = loaded or series_config(series)
    with _progress(console, loaded) as progress:
        series = resume_series(store, series, loaded, steps=steps, callbacks_for=progress)
    print_series(console, series)
    return series


@contextmanager
def _progress(console: Console, loaded: LoadedConfig) -> Iterator[Progress]:
    """A progress printer per checkpoint; the one on screen is closed when Ctrl-C ends the series
    (whose `Interrupted` names the series to resume, not the checkpoint's own run)."""
    printers: list[ProgressPrinter] = []

    def progress(index: int, plan: RunPlan) -> Sequence[Callback]:
        checkpoints = loaded.config.checkpoints
        console.print(f"[bold]checkpoint {index + 1} of {len(checkpoints)}: {checkpoints[index].name}[/]")
        if printers:
            printers[-1].close()
        printers.append(ProgressPrinter(console, plan.max_steps))
        return printers[-1:]

    stopped: Interrupted | None = None
    try:
        yield progress
    except Interrupted as exc:
        stopped = exc
        raise
    finally:
        if printers:
            printers[-1].close()
        if stopped is not None:  # Ctrl-C: the series to resume (the printers only know their run)
            console.print(stopped.hint, markup=False, soft_wrap=True)


def print_series(console: Console, series: SeriesRecord) -> None:
    rows = checkpoint_rows(series)
    console.print(checkpoints_table(rows, title=f"checkpoints of series {series.id}"))
    for line in forgetting_lines(rows):
        console.print(line, markup=False)
    met = sum(1 for c in series.checkpoints if c.met)
    console.print(f"series {series.id}: {met} of {series.count} checkpoints met", markup=False)
