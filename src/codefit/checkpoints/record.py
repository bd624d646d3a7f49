"""A checkpoint series' own record: `.codefit/checkpoints/<id>.json`, beside the ordinary runs it
is made of (one per checkpoint). Rewritten after each checkpoint, so a killed series keeps what
it finished."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from codefit.errors import StoreError
from codefit.store import Store

SERIES_DIR = "checkpoints"


class CheckpointOutcome(BaseModel):
    """What one checkpoint's run achieved, measured at its end."""

    index: int = Field(description="1-based position in the series.")
    name: str
    run_id: str
    met: bool
    steps: int = Field(description="Optimizer steps the checkpoint took.")
    stop_reason: str = ""
    cost_usd: float = 0.0
    train_score: float | None = None
    val_score: float | None = None
    test_score: float | None = None
    tests_passed: int = Field(default=0, description="Its own tests passing at its end (all splits).")
    tests_total: int = 0
    forgetting: int = Field(
        default=0, description="Earlier checkpoints' tests that passed then and fail now."
    )
    forgotten: list[str] = Field(default_factory=list, description="Their ids: 'sensor::nodeid'.")
    quality: dict[str, float] = Field(default_factory=dict, description="Erosion, verbosity, ... at its end.")
    drift: dict[str, float] = Field(default_factory=dict, description="Change since the previous boundary.")
    outcomes: dict[str, dict[str, bool]] = Field(
        default_factory=dict, description="{checkpoint: {test id: passed}} at this boundary."
    )


class SeriesRecord(BaseModel):
    id: str
    repo: str
    created: float
    status: str = "running"  # running | met | not_met
    count: int = Field(description="Checkpoints declared.")
    start_quality: dict[str, float] = Field(default_factory=dict)
    checkpoints: list[CheckpointOutcome] = Field(default_factory=list)
    running: str | None = Field(
        default=None, description="The run of the checkpoint in flight, once its baseline is recorded."
    )
    config: dict[str, Any] = Field(
        default_factory=dict, description="The config trained, checkpoints and all: what a resume takes."
    )
    optimizer: str | None = Field(default=None, description="`fit --optimizer`, kept for a resume.")
    max_steps: int | None = Field(default=None, description="`fit --steps`, kept for a resume.")

    @property
    def met(self) -> bool:
        return len(self.checkpoints) == self.count and all(c.met for c in self.checkpoints)


def series_path(store: Store, series_id: str) -> Path:
    return store.root / SERIES_DIR / f"{series_id}.json"


def write_series(store: Store, series: SeriesRecord) -> Path:
    path = series_path(store, series.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(series.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def read_series(path: Path) -> SeriesRecord:
    try:
        return SeriesRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the checkpoint series record: {exc}", where=str(path)) from None


def all_series(store: Store) -> list[SeriesRecord]:
    """Every series recorded, newest first."""
    folder = store.root / SERIES_DIR
    if not folder.is_dir():
        return []
    return [read_series(path) for path in sorted(folder.glob("*.json"), reverse=True)]


def series_of_run(store: Store, run_id: str) -> SeriesRecord | None:
    """The series one of whose checkpoints `run_id` is (finished or in flight), or None for an
    ordinary run."""
    for series in all_series(store):
        if series.running == run_id or any(c.run_id == run_id for c in series.checkpoints):
            return series
    return None


def find_series(store: Store, ref: str) -> SeriesRecord | None:
    """The series `ref` names: its id, a unique prefix of it, or one of its checkpoints' runs."""
    everything = all_series(store)
    exact = [s for s in everything if s.id == ref]
    named = exact or [s for s in everything if s.id.startswith(ref)]
    if len(named) > 1:
        ids = ", ".join(s.id for s in named[:5])
        raise StoreError(f"series {ref!r} is ambiguous: {ids}", where=str(store.root))
    if named:
        return named[0]
    try:
        run_id = store.run(ref).id
    except StoreError:
        return None
    return series_of_run(store, run_id)


def run_or_series(store: Store, ref: str) -> str:
    """The run `ref` names; for a series' id, its last finished checkpoint's run."""
    try:
        return store.run(ref).id
    except StoreError:
        series = find_series(store, ref)
        if series is None or not series.checkpoints:
            raise
        return series.checkpoints[-1].run_id
