"""Blind validation queries: graded outside the workspace, rationed by a budget, recorded always."""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from codefit.harness.feedback import BlindVerdict
from codefit.holdout import Thresholdout
from codefit.sensors.base import Reading, Sensor, SensorContext
from codefit.store import QueryRecord, Store
from codefit.workspace.grading import grade
from codefit.workspace.workspace import Workspace

DEFAULT_BUDGET = 10


@dataclass(frozen=True)
class BlindQuery:
    reading: Reading
    record: QueryRecord
    verdict: BlindVerdict


def _thresholdout(
    sensor: Sensor, store: Store, run_id: str, train_score: float | None, holdout_score: float
) -> tuple[float | None, bool]:
    """(the score to report, whether budget is charged); plain queries report the truth and pay."""
    settings = sensor.settings.thresholdout
    if settings is None or train_score is None:
        return None, True
    asked = sum(1 for q in store.queries(run_id) if q.sensor == sensor.settings.name)
    seed = zlib.crc32(f"{run_id}:{settings.seed}".encode())
    answer = Thresholdout(settings.threshold, settings.sigma, seed, start_index=asked).query(
        train_score, holdout_score
    )
    return answer.score, answer.spent


def _reported(sensor: Sensor, noisy: float | None) -> str:
    level = sensor.settings.feedback.value
    return level if noisy is None else f"{level} (thresholdout {noisy:.3f})"


def budget_of(sensor: Sensor) -> int:
    return DEFAULT_BUDGET if sensor.settings.budget is None else sensor.settings.budget


def budget_left(
    store: Store, run_id: str, sensors: tuple[Sensor, ...], pending: Sequence[QueryRecord] = ()
) -> int | None:
    """Queries left for the tightest validation sensor (None when there is no validation split).

    `pending` are this step's queries, not yet in the store; each is charged to its own sensor.
    """
    if not sensors:
        return None

    def spent(name: str) -> int:
        return store.queries_spent(run_id, name) + sum(int(q.spent) for q in pending if q.sensor == name)

    return min(budget_of(s) - spent(s.settings.name) for s in sensors)


def query(
    store: Store,
    run_id: str,
    step: int,
    workspace: Workspace,
    checkpoint: str,
    sensors: tuple[Sensor, ...],
    ctx: SensorContext,
    train_score: float | None = None,
) -> list[BlindQuery]:
    """Grade each validation sensor with budget left on `checkpoint`."""
    out = []
    for sensor in sensors:
        name = sensor.settings.name
        spent = store.queries_spent(run_id, name)
        budget = budget_of(sensor)
        if spent >= budget:
            continue
        reading = grade(workspace, checkpoint, [sensor], ctx)[0]
        noisy, charged = _thresholdout(sensor, store, run_id, train_score, reading.score)
        left = budget - spent - int(charged)
        verdict = BlindVerdict(
            sensor=name, level=sensor.settings.feedback, reading=reading, budget_left=left, noisy_score=noisy
        )
        record = QueryRecord(
            run_id=run_id,
            step=step,
            sensor=name,
            score=reading.score,
            passed=reading.passed,
            reported=sensor.settings.feedback.value
            + ("" if noisy is None else f" (thresholdout {noisy:.3f})"),
            spent=charged,
            budget_left=left,
            created=time.time(),
        )
        out.append(BlindQuery(reading=reading, record=record, verdict=verdict))
    return out
