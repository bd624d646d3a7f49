"""The blind answers an optimizer is given, structured: only what the feedback level shows."""

from __future__ import annotations

from codefit.harness.blind import BlindQuery, shown, shown_recorded
from codefit.harness.feedback import BlindVerdict
from codefit.optimizers.base import HiddenVerdict
from codefit.sensors.base import Reading
from codefit.spec import FeedbackLevel, Split
from codefit.store import QueryRecord


def query(level: FeedbackLevel, passed: bool, noisy: float | None = None) -> BlindQuery:
    reading = Reading(sensor="holdout", split=Split.VALIDATION, score=float(passed), passed=passed)
    reported = level.value + ("" if noisy is None else f" (thresholdout {noisy:.3f})")
    record = QueryRecord(
        run_id="r",
        step=1,
        sensor="holdout",
        score=reading.score,
        passed=passed,
        reported=reported,
        spent=True,
        budget_left=2,
        created=0.0,
    )
    verdict = BlindVerdict(sensor="holdout", level=level, reading=reading, budget_left=2, noisy_score=noisy)
    return BlindQuery(reading=reading, record=record, verdict=verdict)


def test_the_structured_answer_shows_what_the_level_shows_live_and_resumed() -> None:
    cases = [
        (query(FeedbackLevel.VERDICT, False), False),
        (query(FeedbackLevel.SCORE, True), True),
        (query(FeedbackLevel.NONE, False), None),  # queried, no result shown
        (query(FeedbackLevel.SCORE, True, noisy=0.5), False),  # Thresholdout's noisy verdict
        (query(FeedbackLevel.SCORE, False, noisy=1.0), True),
    ]
    for q, expected in cases:
        answer = (HiddenVerdict(sensor="holdout", passed=expected),)
        assert shown([q]) == answer, q.record.reported
        assert shown_recorded([q.record]) == answer, q.record.reported
