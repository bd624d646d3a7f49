"""Blind validation queries: graded outside the workspace, rationed by a budget, recorded always."""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from codefit.harness.feedback import BlindVerdict, shown_passed
from codefit.holdout import Thresholdout
from codefit.optimizers.base import HiddenVerdict
from codefit.sensors.base import Reading, Sensor, SensorContext
from codefit.spec import FeedbackLevel
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


_THRESHOLDOUT = re.compile(r"\(thresholdout (-?[0-9.]+)\)")


def shown(queries: Sequence[BlindQuery]) -> tuple[HiddenVerdict, ...]:
    """A step's blind answers as the optimizer may know them (its feedback level, Thresholdout's
    noisy verdict), structured for the next step."""
    return tuple(
        HiddenVerdict(
            sensor=q.verdict.sensor,
            passed=None
            if q.verdict.level == FeedbackLevel.NONE
            else shown_passed(q.reading.passed, q.verdict.noisy_score),
        )
        for q in queries
    )


def shown_recorded(records: Sequence[QueryRecord]) -> tuple[HiddenVerdict, ...]:
    """The same, read back from a step's recorded queries (a resumed run)."""
    out = []
    for record in records:
        level, _, rest = record.reported.partition(" ")
        noisy = _THRESHOLDOUT.search(rest)
        passed = shown_passed(record.passed, float(noisy.group(1)) if noisy else None)
        hidden = level == FeedbackLevel.NONE
        out.append(HiddenVerdict(sensor=record.sensor, passed=None if hidden else passed))
    return tuple(out)


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
