"""Python work beside the main thread, in a forked child.

The quality figures and the guards are both pure Python: in threads they take turns on one
interpreter lock, so a check waited for their sum. A forked child computes one of them at once
with the other, on its own core when there is one, without starting an interpreter or importing
anything again. Only the result comes back (pickled, through a pipe).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Generic, TypeVar

from codefit.errors import CodefitError

T = TypeVar("T")


class ForkedError(CodefitError):
    """The forked child failed or died before it answered."""


ENDING_S = 10.0  # how long a child told to stop may take to clean up before it is killed


class Forked(Generic[T]):
    """`fn` started now in a child process; `result()` waits for its value. Leaving the `with`
    block ends a child that has not answered (the caller failed or was interrupted meanwhile, in
    `result()` too): it is told to stop (SIGTERM, raised in it as KeyboardInterrupt, as a Ctrl-C
    would be), so that it ends what it started and removes what it wrote; killed if it has not
    within `ENDING_S`.

    Where forking is not safe (another thread runs: a fork copies its locks held; or the platform
    has no fork), `fn` runs in the caller on `result()` instead: the same value, later."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._forked = False
        self._pid = 0  # the child, until it is reaped
        self._read = -1
        if hasattr(os, "fork") and threading.active_count() == 1:
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer, then leave without the parent's exit handlers or cleanups
            os.close(read)
            signal.signal(signal.SIGINT, _stop)
            signal.signal(signal.SIGTERM, _stop)
            code = 0
            try:
                try:
                    payload = pickle.dumps((True, self._fn()))
                except BaseException as exc:  # every failure goes back as text
                    payload = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
            except BaseException:  # the parent sees no answer and says so
                code = 1
            finally:
                os._exit(code)
        os.close(write)
        self._forked, self._pid, self._read = True, pid, read

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._pid:
            return
        os.close(self._read)  # first: a child writing its answer then fails at once, instead of blocking
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGTERM)
        deadline = time.monotonic() + ENDING_S
        while os.waitpid(self._pid, os.WNOHANG)[0] == 0:
            if time.monotonic() > deadline:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
                break
            time.sleep(0.01)
        self._pid = 0

    def result(self) -> T:
        if not self._forked:
            return self._fn()
        if not self._pid:
            raise ForkedError("the forked child's result was taken already")
        with os.fdopen(self._read, "rb", closefd=False) as answer:
            data = answer.read()
        _, status = os.waitpid(self._pid, 0)
        os.close(self._read)
        self._pid = 0
        if not data:
            raise ForkedError(f"the forked child answered nothing (wait status {status})")
        ok, value = pickle.loads(data)
        if not ok:
            raise ForkedError(f"the forked child failed: {value}")
        result: T = value
        return result


def _stop(signum: int, frame: FrameType | None) -> None:
    """In a child: the first stop signal (the terminal's Ctrl-C, the parent's SIGTERM, often both)
    interrupts its work; the next ones are ignored, so that the cleanup runs to its end. Ignored by
    a handler that does nothing, not SIG_IGN: for a signal already on its way, Python would print
    "Signal 15 ignored due to race condition" on the terminal."""
    signal.signal(signal.SIGINT, _ignore)
    signal.signal(signal.SIGTERM, _ignore)
    raise KeyboardInterrupt


def _ignore(signum: int, frame: FrameType | None) -> None:
    """A stop signal after the first: the child is already ending."""
