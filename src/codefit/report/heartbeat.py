"""Signs of life while something runs: progress notes heard, and a line every few seconds in a log.

A terminal shows a live view instead; a log shows nothing at all between two events, and a
minute of silence reads as a hang. The heartbeat asks `describe()` what is running and prints it
with the time it has taken, until `stop()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from rich.console import Console

from codefit.progress import ProgressKind, logger

HEARTBEAT_S = 30.0


class Heartbeat:
    def __init__(
        self, console: Console, describe: Callable[[], tuple[str, float]], every_s: float = HEARTBEAT_S
    ) -> None:
        """`describe()` returns what is running and when it started (time.monotonic())."""
        self.console = console
        self.describe = describe
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="codefit-heartbeat", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            what, since = self.describe()
            self.console.print(f"... {what} ({elapsed(time.monotonic() - since)})", markup=False)


def elapsed(seconds: float) -> str:
    """`45s`, `3m05s`, `1h02m`."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class ProgressListener(logging.Handler):
    """Hands each `codefit.progress` note to `show(kind, text)` while attached."""

    def __init__(self, show: Callable[[ProgressKind, str], None]) -> None:
        super().__init__(logging.INFO)
        self.show = show
        self._level: int | None = None

    def attach(self) -> None:
        if self._level is None:
            self._level = logger.level
            logger.addHandler(self)
            if not logger.isEnabledFor(logging.INFO):
                logger.setLevel(logging.INFO)

    def detach(self) -> None:
        if self._level is not None:
            logger.removeHandler(self)
            logger.setLevel(self._level)
            self._level = None

    def emit(self, record: logging.LogRecord) -> None:
        kind = getattr(record, "progress", None)
        if isinstance(kind, ProgressKind):
            self.show(kind, record.getMessage())
