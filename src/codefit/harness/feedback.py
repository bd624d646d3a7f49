"""Rendering the "gradient": what the optimizer is told about its last step. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from codefit.guards.base import Alert
from codefit.sensors.base import Reading
from codefit.spec import FeedbackLevel

MESSAGE_LIMIT = 1500


@dataclass(frozen=True)
class BlindVerdict:
    """One blind-split query as the optimizer may see it."""

    sensor: str
    level: FeedbackLevel
    reading: Reading
    budget_left: int | None
    noisy_score: float | None = None


@dataclass(frozen=True)
class FeedbackInput:
    step: int
    train: Sequence[Reading]
    alerts: Sequence[Alert] = ()
    blind: Sequence[BlindVerdict] = ()
    steps_left: int | None = None
    notes: Sequence[str] = field(default_factory=tuple)


def render_feedback(data: FeedbackInput) -> str:
    lines = [f"# Feedback after step {data.step}", ""]
    for reading in data.train:
        lines += _render_train(reading)
    if data.alerts:
        lines += ["## Guard alerts", ""]
        lines += [f"- [{a.severity}] {a.kind}: {a.message} ({a.evidence})" for a in data.alerts]
        lines.append("")
    for verdict in data.blind:
        lines += _render_blind(verdict)
    lines += list(data.notes)
    if data.steps_left is not None:
        lines.append(f"Steps left: {data.steps_left}")
    return "\n".join(lines).rstrip() + "\n"


def _render_train(reading: Reading) -> list[str]:
    c = reading.counts
    verdict = "PASSED" if reading.passed else "FAILED"
    out = [
        f"## {reading.sensor}: {verdict} (score {reading.score:.2f}; "
        f"{c.passed} passed, {c.failed} failed, {c.errors} errors, {c.skipped} skipped)",
        "",
    ]
    if reading.error:
        out += [f"Problem: {reading.error}", ""]
    for test in reading.failing_tests():
        out.append(f"- {test.nodeid}: {test.outcome}")
        if test.message:
            out += ["  " + line for line in _clip(test.message).splitlines()]
    if not reading.tests and not reading.passed and reading.output:
        out += ["```", _clip(reading.output), "```"]
    return [*out, ""]


def _render_blind(verdict: BlindVerdict) -> list[str]:
    r = verdict.reading
    budget = "" if verdict.budget_left is None else f" (queries left: {verdict.budget_left})"
    head = f"## Hidden check {verdict.sensor}{budget}"
    if verdict.level == FeedbackLevel.NONE:
        return [head, "Queried; no result is shown.", ""]
    lines = [head, f"Verdict: {'PASSED' if r.passed else 'FAILED'}"]
    if verdict.level in (FeedbackLevel.SCORE, FeedbackLevel.NAMES, FeedbackLevel.FULL):
        score = r.score if verdict.noisy_score is None else verdict.noisy_score
        lines.append(f"Score: {score:.2f}")
    if verdict.level in (FeedbackLevel.NAMES, FeedbackLevel.FULL):
        lines += [f"- failing: {t.nodeid}" for t in r.failing_tests()]
    if verdict.level == FeedbackLevel.FULL:
        lines += [f"  {_clip(t.message)}" for t in r.failing_tests() if t.message]
    return [*lines, ""]


def _clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + " ..."
