"""Progress events while a person waits: a sensor starts and ends, the search's rate, an agent's output.

Events go through the standard `logging` module, on the `codefit.progress` logger, so nothing in
the layers that emit them (sensors, optimizers, the grader) knows who listens, and the loop needs
no branch for them. The terminal view (`report.terminal.ProgressPrinter`) listens while a run
goes; a library user may attach a handler of their own. With no listener an event costs one
level check. A record's `progress` attribute says its `ProgressKind`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codefit.sensors.base import Reading, Sensor, SensorContext

logger = logging.getLogger("codefit.progress")
RATE_EVERY_S = 2.0


class ProgressKind(StrEnum):
    SENSOR = "sensor"  # a sensor starts or ends
    SEARCH = "search"  # the search's candidates so far and their rate
    OUTPUT = "output"  # a line an optimizer's process printed (agent output)
    STAGE = "stage"  # a run made of runs enters its next part (a phase and its plan item)


def note(kind: ProgressKind, text: str) -> None:
    """Tell whoever listens; nothing happens when nobody does."""
    if logger.isEnabledFor(logging.INFO):
        logger.info(text, extra={"progress": kind})


def measured(
    sensor: Sensor, tree: Path, ctx: SensorContext, judged: Callable[[Reading], Reading] | None = None
) -> Reading:
    """`sensor.read(tree, ctx)`, with a note when it starts and one with its outcome when it ends;
    `judged`: what the caller makes of the reading (the grader's twins out), noted instead."""
    note(ProgressKind.SENSOR, f"sensor {_name(sensor)}: running...")
    started = time.monotonic()
    reading = sensor.read(tree, ctx)
    reading = judged(reading) if judged is not None else reading
    _ended(sensor, reading, started)
    return reading


def measured_together(sensors: Sequence[Sensor], read: Callable[[], list[Reading]]) -> list[Reading]:
    """`read()`, the readings of `sensors` made together (as the caller judges them), noted as
    `measured` notes one sensor's."""
    note(ProgressKind.SENSOR, f"sensors {', '.join(_name(s) for s in sensors)}: running in one process...")
    started = time.monotonic()
    readings = read()
    for sensor, reading in zip(sensors, readings, strict=True):
        _ended(sensor, reading, started)
    return readings


def _name(sensor: Sensor) -> str:
    return f"{sensor.settings.name} ({sensor.settings.split})"


def _ended(sensor: Sensor, reading: Reading, started: float) -> None:
    c = reading.counts
    counts = f"{c.passed} passed, {c.failed} failed, {c.errors} errors" if c.total else ""
    outcome = "pass" if reading.passed else "FAIL"
    detail = "; ".join(part for part in (counts, reading.error or "") if part)
    note(
        ProgressKind.SENSOR,
        f"sensor {_name(sensor)}: {outcome} {reading.score:.2f}"
        + (f" ({detail})" if detail else "")
        + f" in {time.monotonic() - started:.1f}s",
    )


class RateNote:
    """Counts work done and notes the rate, at most every `every_s` seconds (the search's candidates)."""

    def __init__(self, what: str, every_s: float = RATE_EVERY_S) -> None:
        self.what = what
        self.every_s = every_s
        self.count = 0
        self.started = self.last = time.monotonic()

    def add(self, done: int) -> None:
        self.count += done
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            rate = self.count / max(now - self.started, 1e-9)
            note(ProgressKind.SEARCH, f"{self.what}: {self.count} so far, {rate:.0f}/s")


class OutputNotes:
    """Feeds a process's output, chunk by chunk, as one OUTPUT note per line (its gist, for JSON
    event streams); the agent CLIs' output, streamed while they work."""

    LIMIT = 160

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending = b""

    def feed(self, chunk: bytes) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        self.pending = self.pending[-4096:]
        for raw in lines:
            text = gist(raw.decode(errors="replace").strip())
            if text:
                note(ProgressKind.OUTPUT, f"{self.name}: {text[: self.LIMIT]}")


def gist(line: str) -> str:
    """A line as a person reads it: for a JSON event, its type and its first text, name or command."""
    if not line.startswith("{"):
        return line
    try:
        event = json.loads(line)
    except ValueError:
        return line
    if not isinstance(event, dict):
        return line
    kind = str(event.get("type") or event.get("event") or "event")
    found = _first_text(event)
    return f"{kind}: {found}" if found else kind


def _first_text(value: object, depth: int = 0) -> str:
    if depth > 6:
        return ""
    if isinstance(value, dict):
        for key in ("text", "command", "name", "result", "message"):
            item = value.get(key)
            if isinstance(item, str) and item.strip():
                return " ".join(item.split())
        items: list[object] = list(value.values())
    elif isinstance(value, list):
        items = list(value)
    else:
        return ""
    for item in items:
        found = _first_text(item, depth + 1)
        if found:
            return found
    return ""
