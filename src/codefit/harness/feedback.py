"""Rendering the "gradient": what the optimizer is told about its last step.

`render_feedback` turns readings, guard alerts and blind verdicts into text: failing sensors
first, failing tests with their tracebacks deduplicated (the same failure is shown once) and
clipped head-and-tail, lint findings, the blind split's verdict at its feedback level only, and
the budget left. Data is shaped here in Python; the layout is a Jinja2 template (StrictUndefined,
so a misspelt variable is an error) that users can replace with `[feedback] template = "f.j2"`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError

from codefit.ansi import strip_ansi
from codefit.errors import ConfigError
from codefit.guards.base import Alert
from codefit.records import Options
from codefit.sensors.base import Reading, TestResult
from codefit.spec import FeedbackLevel

if TYPE_CHECKING:
    import jinja2

MESSAGE_LIMIT = 1500
DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "feedback.md.j2"
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


class FeedbackSettings(Options):
    """`[feedback]` keys: how much of each reading the optimizer is shown."""

    template: Path | None = Field(default=None, description="A Jinja2 template replacing the default.")
    max_message_chars: int = Field(default=MESSAGE_LIMIT, ge=80, description="Per traceback, head + tail.")
    max_failures: int = Field(default=20, ge=1, description="Failing tests shown per sensor.")
    max_findings: int = Field(default=30, ge=0, description="Lint/type findings shown per sensor.")
    max_output_chars: int = Field(
        default=4000, ge=0, description="Raw output of a failing sensor without tests."
    )
    max_total_chars: int = Field(default=40_000, ge=1000, description="The whole feedback text.")


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
    queries_left: int | None = None
    notes: Sequence[str] = field(default_factory=tuple)
    cost_left_usd: float | None = None
    time_left_s: float | None = None
    settings: FeedbackSettings = field(default_factory=FeedbackSettings)


def feedback_settings(raw: Mapping[str, Any], *, where: str | None = None) -> FeedbackSettings:
    """Validate the config's `[feedback]` table; a relative template path is resolved by the caller."""
    try:
        return FeedbackSettings.model_validate(dict(raw))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"key 'feedback.{key}': {err['msg']}", where=where) from None


def render_feedback(data: FeedbackInput) -> str:
    settings = data.settings
    template_path = settings.template or DEFAULT_TEMPLATE
    import jinja2  # here, not at the top: every command that loads a config imports this module

    try:
        text = _template(str(template_path)).render(**feedback_view(data))
    except jinja2.TemplateError as exc:  # StrictUndefined: a misspelt variable lands here
        raise ConfigError(f"feedback template failed: {exc}", where=str(template_path)) from None
    text = re.sub(r"\n{3,}", "\n\n", strip_ansi(text)).strip() + "\n"  # no colour codes (--color=yes)
    return clip_middle(text, settings.max_total_chars)


def feedback_view(data: FeedbackInput) -> dict[str, Any]:
    """Everything a template may use, as plain values."""
    s = data.settings
    ordered = sorted(data.train, key=lambda r: r.passed)  # failing sensors first; stable otherwise
    return {
        "step": data.step,
        "sections": [_section(r, s) for r in ordered],
        "alerts": [
            {"severity": str(a.severity), "kind": a.kind, "message": a.message, "evidence": a.evidence}
            for a in data.alerts
        ],
        "blind": [_blind(v, s) for v in data.blind],
        "notes": list(data.notes),
        "budget": _budget(data),
    }


def _section(reading: Reading, s: FeedbackSettings) -> dict[str, Any]:
    failing = reading.failing_tests()
    shown = failing[: s.max_failures]
    # A failing test is already shown above with its deduplicated traceback; its finding repeats it.
    restated = tuple(f"{t.nodeid}: " for t in failing)
    own = [f for f in reading.findings if not (restated and f.message.startswith(restated))]
    findings = own[: s.max_findings] if not reading.passed else []
    return {
        "sensor": reading.sensor,
        "verdict": "PASSED" if reading.passed else "FAILED",
        "score": reading.score,
        "counts": reading.counts.model_dump(),
        "problem": reading.error or "",
        "failures": dedupe_failures(shown, s.max_message_chars),
        "more_failures": len(failing) - len(shown),
        "findings": [
            {
                "where": _where(f.path, f.line),
                "message": clip_middle(f.message, s.max_message_chars),
                "rule": f.rule,
            }
            for f in findings
        ],
        "more_findings": len(own) - len(findings) if not reading.passed else 0,
        "output": clip_middle(reading.output.strip(), s.max_output_chars)
        if not reading.tests and not reading.passed and not reading.findings
        else "",
    }


def dedupe_failures(tests: Sequence[TestResult], limit: int) -> list[dict[str, str]]:
    """One entry per failing test; a message already shown (addresses ignored) refers back to it."""
    first_with: dict[str, str] = {}
    out = []
    for test in tests:
        key = _ADDRESS.sub("0x?", test.message.strip())
        same_as = first_with.get(key, "") if key else ""
        if key and not same_as:
            first_with[key] = test.nodeid
        out.append(
            {
                "nodeid": test.nodeid,
                "outcome": str(test.outcome),
                "message": "" if same_as else clip_middle(test.message.strip(), limit),
                "same_as": same_as,
            }
        )
    return out


def _blind(verdict: BlindVerdict, s: FeedbackSettings) -> dict[str, Any]:
    r = verdict.reading
    level = verdict.level
    show_score = level in (FeedbackLevel.SCORE, FeedbackLevel.NAMES, FeedbackLevel.FULL)
    show_names = level in (FeedbackLevel.NAMES, FeedbackLevel.FULL)
    failures = []
    if show_names:
        for t in r.failing_tests():
            message = (
                clip_middle(t.message.strip(), s.max_message_chars) if level == FeedbackLevel.FULL else ""
            )
            failures.append({"nodeid": t.nodeid, "message": message})
    return {
        "sensor": verdict.sensor,
        "level": level.value,
        "budget_left": verdict.budget_left,
        "verdict": "PASSED" if shown_passed(verdict.reading.passed, verdict.noisy_score) else "FAILED",
        "score": (r.score if verdict.noisy_score is None else verdict.noisy_score) if show_score else None,
        "failures": failures,
    }


def shown_passed(passed: bool, noisy_score: float | None) -> bool:
    """The verdict a blind query reports: under Thresholdout it follows the reported (noisy) score,
    never the true reading."""
    return passed if noisy_score is None else noisy_score >= 1.0


def _budget(data: FeedbackInput) -> str:
    parts = []
    if data.steps_left is not None:
        parts.append(f"Steps left: {data.steps_left}")
    if data.queries_left is not None:
        parts.append(f"hidden-check queries left: {max(data.queries_left, 0)}")
    if data.cost_left_usd is not None:
        parts.append(f"cost left: ${data.cost_left_usd:.2f}")
    if data.time_left_s is not None:
        parts.append(f"time left: {data.time_left_s / 60:.0f} min")
    return "; ".join(parts)


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else path


def clip_middle(text: str, limit: int) -> str:
    """Keep the head (the cause) and the tail (the assertion) of long text."""
    if len(text) <= limit:
        return text
    half = max(limit // 2, 1)
    return f"{text[:half]}\n... [{len(text) - 2 * half} characters cut] ...\n{text[-half:]}"


@lru_cache(maxsize=8)
def _template(path: str) -> jinja2.Template:
    import jinja2

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # markdown for a model, not HTML
    )
    try:
        return env.from_string(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"feedback template cannot be read: {exc.strerror}", where=path) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"feedback template line {exc.lineno}: {exc.message}", where=path) from None
