"""The Guard protocol: inspect one step's change and raise alerts for reward hacking."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from codefit.optimizers.base import TranscriptEvent
from codefit.records import Record
from codefit.sensors.base import Reading


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"
    BLOCK = "block"


class Policy(StrEnum):
    """What the loop does with a guard's alerts."""

    WARN = "warn"
    ROLLBACK = "rollback"
    STOP = "stop"


class Alert(Record):
    guard: str
    kind: str
    severity: Severity
    message: str
    path: str = ""
    line: int | None = None
    snippet: str = ""

    @property
    def evidence(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True)
class Change:
    """One step's change, as guards see it.

    `tree` is the workspace after the step; `before(path)` and `base(path)` give a file's text at
    the previous checkpoint and at the run's base (None where the file did not exist).
    `heldout` maps each held-out file (relative name) to its text, for the leakage guard only:
    guards never show it to the optimizer. `run_files` are the absolute paths of the files the run
    itself hands the optimizer (its task and feedback files): reading them is not leaving the workspace.
    `writable` are the globs the optimizer may change (a conftest the task asks for lives there).
    `probe` runs a script confined, as the sensors run code under test.
    """

    tree: Path
    diff: str
    changed_files: tuple[str, ...]
    before: Callable[[str], str | None]
    base: Callable[[str], str | None]
    readings: Sequence[Reading]
    transcript: Sequence[TranscriptEvent]
    protected: tuple[str, ...]
    feedback: str = ""
    heldout: Mapping[str, str] = field(default_factory=dict)
    run_files: tuple[str, ...] = ()
    writable: tuple[str, ...] = ("**",)
    # Runs a Python script (its text, a tree, stdin) confined like code under test; its stdout, or
    # None when it failed. Guards that judge behaviour use it; None where nothing may run.
    probe: Callable[[str, Path, str], str | None] | None = None


@runtime_checkable
class Guard(Protocol):
    name: str

    def inspect(self, change: Change) -> list[Alert]: ...
