"""Python work beside the main thread, in a forked child.

The quality figures and the guards are both pure Python: in threads they take turns on one
interpreter lock, so a check waited for their sum. A forked child computes one of them at once
with the other, on its own core when there is one, without starting an interpreter or importing
anything again. Only the result comes back (pickled, through a pipe).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

from codefit.errors import CodefitError

T = TypeVar("T")


class ForkedError(CodefitError):
    """The forked child failed or died before it answered."""


class Forked(Generic[T]):
    """`fn` started now in a child process; `result()` waits for its value. Leaving the `with`
    block ends a child whose result was not taken (the caller failed meanwhile).

    Where forking is not safe (another thread runs: a fork copies its locks held; or the platform
    has no fork), `fn` runs in the caller on `result()` instead: the same value, later."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._pid = 0
        self._read = -1
        if hasattr(os, "fork") and threading.active_count() == 1:
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer, then leave without the parent's exit handlers or cleanups
            os.close(read)
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
        self._pid, self._read = pid, read

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pid:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._read)
            self._pid = 0

    def result(self) -> T:
        if not self._pid:
            return self._fn()
        pid, self._pid = self._pid, 0
        with os.fdopen(self._read, "rb") as answer:
            data = answer.read()
        _, status = os.waitpid(pid, 0)
        if not data:
            raise ForkedError(f"the forked child answered nothing (wait status {status})")
        ok, value = pickle.loads(data)
        if not ok:
            raise ForkedError(f"the forked child failed: {value}")
        result: T = value
        return result
