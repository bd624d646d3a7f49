"""Blind validation queries: graded outside the workspace, rationed by a budget, recorded always."""

from __future__ import annotations

import time
from dataclasses import dataclass

from codefit.harness.feedback import BlindVerdict
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


def budget_of(sensor: Sensor) -> int:
    return DEFAULT_BUDGET if sensor.settings.budget is None else sensor.settings.budget


def budget_left(store: Store, run_id: str, sensors: tuple[Sensor, ...]) -> int | None:
    """Queries left for the tightest validation sensor (None when there is no validation split)."""
    if not sensors:
        return None
    return min(budget_of(s) - store.queries_spent(run_id, s.settings.name) for s in sensors)


def query(
    store: Store,
    run_id: str,
    step: int,
    workspace: Workspace,
    checkpoint: str,
    sensors: tuple[Sensor, ...],
    ctx: SensorContext,
) -> list[BlindQuery]:
    """Grade each validation sensor with budget left on `checkpoint`."""
    out = []
    for sensor in sensors:
        spent = store.queries_spent(run_id, sensor.settings.name)
        budget = budget_of(sensor)
        if spent >= budget:
            continue
        reading = grade(workspace, checkpoint, [sensor], ctx)[0]
        left = budget - spent - 1
        verdict = BlindVerdict(
            sensor=sensor.settings.name, level=sensor.settings.feedback, reading=reading, budget_left=left
        )
        record = QueryRecord(
            run_id=run_id,
            step=step,
            sensor=sensor.settings.name,
            score=reading.score,
            passed=reading.passed,
            reported=sensor.settings.feedback.value,
            spent=True,
            budget_left=left,
            created=time.time(),
        )
        out.append(BlindQuery(reading=reading, record=record, verdict=verdict))
    return out
