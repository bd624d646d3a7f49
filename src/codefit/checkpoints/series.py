"""Training checkpoint by checkpoint: one ordinary run each, on the same codebase.

Checkpoint k's run starts from the tree checkpoint k-1's run chose (its exported result), with
checkpoint k's visible tests added; it ends when its spec is met or its budget is spent, and the
next begins either way. At each end every checkpoint so far is graded on the chosen tree: an
earlier checkpoint's test that passed at its own end and fails now is forgotten.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from codefit.checkpoints.boundary import (
    Boundary,
    drift,
    export_chosen,
    forgotten,
    measure_boundary,
    tree_quality,
)
from codefit.checkpoints.plan import checkpoint_config, future_tests
from codefit.checkpoints.record import CheckpointOutcome, SeriesRecord, write_series
from codefit.checkpoints.trainer import CheckpointTrainer, lay_tree
from codefit.config import LoadedConfig
from codefit.errors import Interrupted
from codefit.harness.callbacks import Budget, Callback, EarlyStopping
from codefit.harness.continued import continue_run
from codefit.harness.loop import History
from codefit.harness.plan import RunPlan, plan_from_config, preflight
from codefit.sensors.base import Sensor
from codefit.sensors.quality import QualitySensor
from codefit.store import Store, new_run_id

CallbacksFor = Callable[[int, RunPlan], Sequence[Callback]]


def fit_series(
    loaded: LoadedConfig,
    store: Store,
    *,
    optimizer: str | None = None,
    steps: int | None = None,
    dirty: bool = False,
    callbacks_for: CallbacksFor = lambda _index, _plan: (),
) -> SeriesRecord:
    """Run every checkpoint of `loaded` in order; returns the series record (also written to the store)."""
    plans = series_plans(loaded, optimizer, steps)
    quality = quality_measure(plans[0])
    series = SeriesRecord(
        id=new_run_id(),
        repo=str(loaded.root),
        created=time.time(),
        count=len(plans),
        start_quality=quality(loaded.root),
        config=loaded.raw,
        optimizer=optimizer,
        max_steps=steps,
    )
    write_series(store, series)
    return train_series(loaded, store, series, plans, dirty=dirty, callbacks_for=callbacks_for)


def series_plans(loaded: LoadedConfig, optimizer: str | None, steps: int | None) -> list[RunPlan]:
    """One run plan per checkpoint, checked before any is trained."""
    from codefit.doctor.agents import require_agent_cli

    plans = [
        plan_from_config(checkpoint_config(loaded, i), optimizer_kind=optimizer, max_steps=steps)
        for i in range(len(loaded.config.checkpoints))
    ]
    preflight(plans[0])
    require_agent_cli(plans[0].optimizer, plans[0].repo)
    return plans


def train_series(
    loaded: LoadedConfig,
    store: Store,
    series: SeriesRecord,
    plans: Sequence[RunPlan],
    *,
    dirty: bool = False,
    callbacks_for: CallbacksFor = lambda _index, _plan: (),
) -> SeriesRecord:
    """Train the checkpoints `series` has not finished: the one in flight resumed, the rest started.
    Ctrl-C raises `Interrupted` naming the series, which `codefit fit --resume` continues."""
    checkpoints = loaded.config.checkpoints
    quality = quality_measure(plans[0])
    context = _boundary_context(plans)
    first = len(series.checkpoints)
    # The lock refuses a second process training (or resuming) the same series.
    with store.stepping(series.id), tempfile.TemporaryDirectory(prefix="codefit-checkpoints-") as tmp:
        carried: Path | None = None
        if first:
            carried = Path(tmp) / f"tree-{first}"
            export_chosen(store, store.run(series.checkpoints[-1].run_id), carried)
        for i in range(first, len(plans)):
            own = list(checkpoints[i].tests)
            lay = functools.partial(lay_tree, carried=carried, own_tests=own, future_tests=_future(loaded, i))
            callbacks = [*config_callbacks(loaded), *callbacks_for(i, plans[i]), _InFlight(store, series)]
            trainer = CheckpointTrainer(plans[i], store, callbacks, lay)
            try:
                history = (
                    continue_run(trainer, store, series.running)
                    if series.running
                    else trainer.start(dirty=dirty and i == 0)
                )
            except KeyboardInterrupt:
                raise Interrupted(_hint(series, i, checkpoints[i].name)) from None
            carried = Path(tmp) / f"tree-{i + 1}"
            sensors = [
                (c.name, _own_sensors(plans[j], c.sensor_names())) for j, c in enumerate(checkpoints[: i + 1])
            ]
            boundary = measure_boundary(store, store.run(history.run_id), sensors, context, carried, quality)
            series.checkpoints.append(_outcome(series, i, checkpoints[i].name, history, boundary))
            series.running = None
            write_series(store, series)
    series.status = "met" if series.met else "not_met"
    write_series(store, series)
    return series


class _InFlight(Callback):
    """Notes the checkpoint's run in the series record once its baseline is recorded (the point
    from which `Trainer.resume` can continue it)."""

    def __init__(self, store: Store, series: SeriesRecord) -> None:
        self.store, self.series = store, series

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self.series.running = str(logs["run_id"])
        write_series(self.store, self.series)


def _hint(series: SeriesRecord, index: int, name: str) -> str:
    return (
        f"checkpoint {index + 1} of {series.count} ({name}) of series {series.id} stopped; the "
        f"checkpoints before it are recorded; continue with: codefit fit --resume {series.id}"
    )


def config_callbacks(loaded: LoadedConfig) -> list[Callback]:
    """Early stopping and budgets as the config sets them, fresh for each checkpoint's run."""
    cfg = loaded.config
    out: list[Callback] = []
    if cfg.early_stopping is not None:
        es = cfg.early_stopping
        out.append(EarlyStopping(monitor=es.monitor, patience=es.patience, restore_best=es.restore_best))
    if cfg.max_wall_time is not None or cfg.max_cost_usd is not None:
        out.append(Budget(max_seconds=cfg.max_wall_time, max_cost_usd=cfg.max_cost_usd))
    return out


def _outcome(
    series: SeriesRecord, index: int, name: str, history: History, boundary: Boundary
) -> CheckpointOutcome:
    final = history.final
    earlier = series.checkpoints
    lost = [test for c in earlier for test in forgotten(c.outcomes[c.name], boundary.outcomes[c.name])]
    previous = earlier[-1].quality if earlier else series.start_quality
    own = boundary.outcomes[name]
    last: dict[str, Any] = history.steps[-1] if history.steps else {}
    return CheckpointOutcome(
        index=index + 1,
        name=name,
        run_id=history.run_id,
        met=history.met,
        steps=len(history.steps),
        stop_reason=history.stop_reason,
        cost_usd=float(last.get("cost_usd_total") or 0.0),
        train_score=_score(final, "train"),
        val_score=_score(final, "validation"),
        test_score=_score(final, "test"),
        tests_passed=sum(own.values()),
        tests_total=len(own),
        forgetting=len(lost),
        forgotten=lost,
        quality=boundary.quality,
        drift=drift(previous, boundary.quality),
        outcomes=boundary.outcomes,
    )


def quality_measure(plan: RunPlan) -> Callable[[Path], dict[str, float]]:
    """Quality at a boundary measures what the config's first quality sensor measures (its
    include and exclude), else every file but the tests."""
    for sensor in plan.spec.sensors:
        if isinstance(sensor, QualitySensor):
            options = sensor.options
            return functools.partial(tree_quality, include=options.include, exclude=options.exclude)
    return tree_quality


def _score(final: dict[str, Any], split: str) -> float | None:
    value = final.get(split)
    return float(value["score"]) if value and value.get("score") is not None else None


def _own_sensors(plan: RunPlan, names: Sequence[str]) -> list[Sensor]:
    return [s for s in plan.spec.sensors if s.settings.name in names]


def _future(loaded: LoadedConfig, index: int) -> list[str]:
    return [str(p) for p in future_tests(loaded, index)]


def _boundary_context(plans: Sequence[RunPlan]) -> Any:
    """The last plan's sensor context, hiding every checkpoint's held-out paths from the code under test."""
    context = plans[-1].context
    hidden = {*context.hidden, *(p for plan in plans for p in plan.heldout_paths())}
    return dataclasses.replace(context, hidden=tuple(hidden))
