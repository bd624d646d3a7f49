"""Which runs a process is stepping right now: an exclusive lock held for the run's duration.

The kernel drops a `flock` when its holder dies, even by `kill -9`, so a run whose lock is free but
whose status is still `running` was interrupted, and a second `fit --resume` of a live run is refused.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codefit.errors import StoreError


@contextmanager
def hold(path: Path) -> Iterator[None]:
    """Hold the lock at `path` until the block ends; an error when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError("another codefit process is running this run now", where=str(path)) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def is_held(path: Path) -> bool:
    """True while some process holds the lock at `path`."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
