"""`codefit fit --resume SERIES`: a checkpoint series continues at the checkpoint where it stopped.

The finished checkpoints keep their runs and outcomes; the one in flight (noted in the series
record once its baseline was recorded) is resumed as any run is; the rest start as usual, the
first of them from the tree the last finished checkpoint chose.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from codefit.checkpoints.record import SeriesRecord
from codefit.checkpoints.series import CallbacksFor, series_plans, train_series
from codefit.config import Config, LoadedConfig, find_config, load_config
from codefit.errors import ConfigError, StoreError
from codefit.store import Store


def resume_series(
    store: Store,
    series: SeriesRecord,
    loaded: LoadedConfig | None = None,
    *,
    steps: int | None = None,
    callbacks_for: CallbacksFor = lambda _index, _plan: (),
) -> SeriesRecord:
    """Finish `series` with the config it recorded (or `loaded`, a config file named instead)."""
    if series.status != "running":
        raise StoreError(f"series {series.id} already finished ({series.status}); nothing to resume")
    loaded = loaded or series_config(series)
    if len(loaded.config.checkpoints) != series.count:
        raise ConfigError(
            f"series {series.id} has {series.count} checkpoints; this config declares "
            f"{len(loaded.config.checkpoints)}",
            where=str(loaded.file),
        )
    plans = series_plans(loaded, series.optimizer, steps or series.max_steps)
    return train_series(loaded, store, series, plans, callbacks_for=callbacks_for)


def series_config(series: SeriesRecord) -> LoadedConfig:
    """The config the series recorded at its start (the config file for a series recorded before
    series kept theirs)."""
    repo = Path(series.repo)
    if not series.config:
        return load_config(repo)
    try:
        file = find_config(repo)
    except ConfigError:
        file = repo / "codefit.toml"  # names where an error is, and resolves the task files
    try:
        config = Config.model_validate(series.config)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        message = f"series {series.id}'s recorded config, key {key!r}: {err['msg']}"
        raise ConfigError(message, where=str(file)) from None
    return LoadedConfig(root=repo, file=file, config=config, raw=series.config)
