"""The Optimizer protocol: one step of edits to a workspace, and what it reports back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import Field

from codefit.records import Options, Record
from codefit.sensors.base import Reading, Sensor, SensorContext


class StepStatus(StrEnum):
    EDITED = "edited"
    NO_CHANGE = "no_change"
    GAVE_UP = "gave_up"
    FLAGGED = "flagged"
    ERROR = "error"


class EventKind(StrEnum):
    MESSAGE = "message"
    REASONING = "reasoning"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    COMMAND = "command"
    FILE_CHANGE = "file_change"
    ERROR = "error"


class TranscriptEvent(Record):
    """One normalised event of an optimizer's step, whatever produced it."""

    kind: EventKind
    text: str = ""
    role: str = ""
    name: str = ""
    call_id: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class Usage(Record):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    # False when no price was known for some of the tokens: `cost_usd` then counts only the priced
    # part, and the views say "unknown" rather than show a figure as if it were the cost.
    cost_known: bool = True

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            cost_known=self.cost_known and other.cost_known,
        )


class StepResult(Record):
    """What an optimizer reports after one step."""

    status: StepStatus
    summary: str = ""
    transcript: tuple[TranscriptEvent, ...] = ()
    usage: Usage = Usage()
    raw: str = ""
    error: str | None = None
    session: dict[str, Any] = Field(default_factory=dict)


class HiddenVerdict(Record):
    """The last step's answer from one blind-split sensor, as its feedback level lets the optimizer
    know it: `passed` is None at level `none` (queried, no result shown). Structured, so an optimizer
    never has to read it back out of the feedback text (a custom template may word it otherwise)."""

    sensor: str
    passed: bool | None


@dataclass(frozen=True)
class StepState:
    """Everything an optimizer may know at the start of a step. It sees the train split only."""

    workspace: Path
    step: int
    task: str
    feedback: str
    task_file: Path
    feedback_file: Path
    train_sensors: Sequence[Sensor]
    sensor_context: SensorContext
    run_checks: Callable[[], list[Reading]]
    timeout_s: float = 1800.0
    session: dict[str, Any] = field(default_factory=dict)
    writable: tuple[str, ...] = ()
    protected: tuple[str, ...] = ()
    hidden: tuple[Path, ...] = ()  # what the sandbox must hide: the user's repo, the store, held-out paths
    blind: tuple[HiddenVerdict, ...] = ()  # the hidden checks' answers to the last step


@runtime_checkable
class Optimizer(Protocol):
    """Edits the workspace once per step; never raises for a failed attempt (status=error)."""

    options_model: ClassVar[type[Options]]
    kind: ClassVar[str]

    def step(self, state: StepState) -> StepResult: ...
