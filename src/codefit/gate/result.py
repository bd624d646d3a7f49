"""What `codefit check` found: the record every output format is made from."""

from __future__ import annotations

from dataclasses import dataclass, field

from codefit.guards.base import Alert, Policy
from codefit.sensors.base import Reading, SensorSettings
from codefit.spec import FeedbackLevel


@dataclass(frozen=True)
class HeldoutVerdict:
    """A held-out split's answer as far as its feedback level lets it be told."""

    sensor: str
    split: str
    level: FeedbackLevel
    passed: bool
    score: float | None = None  # `score` and finer
    failing: tuple[str, ...] = ()  # `names` and finer
    # A failed split, graded on base too: True when no test of it that passes on base fails here
    # (the failures were there before the change), False when some do; None when not known.
    as_on_base: bool | None = None

    def line(self) -> str:
        if self.level == FeedbackLevel.NONE:
            return f"{self.sensor} ({self.split}): graded"
        text = f"{self.sensor} ({self.split}): {'passed' if self.passed else 'failed'}"
        if self.score is not None:
            text += f", score {self.score:.2f}"
        if self.failing:
            text += f"; failing: {', '.join(self.failing)}"
        return text + self.on_base()

    def on_base(self) -> str:
        """What grading base told of a failed split, for a reader: the change's failures, or older."""
        if self.passed or self.as_on_base is None:
            return ""
        if self.as_on_base:
            return " (as on base: no test of it that passes on base fails here)"
        return " (the change's: tests of it that pass on base fail here)"


@dataclass
class CheckResult:
    base: str
    head: str  # the head commit; the tree for a staged change
    alerts: list[tuple[Alert, Policy]] = field(default_factory=list)
    train: list[Reading] = field(default_factory=list)
    heldout: list[HeldoutVerdict] = field(default_factory=list)
    quality: dict[str, tuple[float, float]] = field(default_factory=dict)  # figure: (base, head)
    mutation_score: float | None = None
    notes: list[str] = field(default_factory=list)
    gates: frozenset[str] = frozenset()
    spec: str = "codefit.toml"  # where the sensors are declared: a failing split's location

    def reasons(self) -> list[str]:
        """Why the check fails; empty when it passes."""
        out = [
            f"guard {a.kind} ({a.severity.value}): {a.message}" for a, p in self.alerts if p != Policy.WARN
        ]
        return out + self.failed_splits()

    def failed_splits(self) -> list[str]:
        """The gated train sensors and the held-out splits that failed, one line each."""
        out = [
            f"train sensor {r.sensor} failed" for r in self.train if r.sensor in self.gates and not r.passed
        ]
        return out + [
            f"held-out {v.sensor} ({v.split}) failed{v.on_base()}" for v in self.heldout if not v.passed
        ]

    @property
    def passed(self) -> bool:
        return not self.reasons()


def verdict(reading: Reading, settings: SensorSettings, on_base: Reading | None = None) -> HeldoutVerdict:
    """The split's answer within its feedback level; `on_base`: the same split graded on base, for a
    split that failed."""
    level = settings.feedback
    finer = list(FeedbackLevel).index(level)
    return HeldoutVerdict(
        sensor=reading.sensor,
        split=reading.split.value,
        level=level,
        passed=reading.passed,
        as_on_base=None if on_base is None or reading.passed else no_new_failures(reading, on_base),
        score=reading.score if finer >= list(FeedbackLevel).index(FeedbackLevel.SCORE) else None,
        failing=tuple(t.nodeid for t in reading.failing_tests())
        if finer >= list(FeedbackLevel).index(FeedbackLevel.NAMES)
        else (),
    )


def no_new_failures(head: Reading, base: Reading) -> bool:
    """Whether every test failing on head fails on base too, and head's run went no worse as a whole
    (no tampering, no error of the run that base's lacks)."""
    if _tampered(head) and not _tampered(base):
        return False
    if head.error and not base.error:
        return False
    return {t.nodeid for t in head.failing_tests()} <= {t.nodeid for t in base.failing_tests()}


def _tampered(reading: Reading) -> bool:
    return any(finding.rule == "tampered" for finding in reading.findings)
