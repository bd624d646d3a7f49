"""Limits for one candidate's child: memory, file size, processes, no terminal output.

Loaded by path by forkserver_main.py into the server, so `resource` is imported once there and
not by every child (loading an extension module costs a child a millisecond).
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Callable
from typing import Any

try:
    import resource
except ImportError:  # not a POSIX system: the candidate-wide kill still applies
    resource = None  # type: ignore[assignment]
try:
    import _posixsubprocess
except ImportError:
    _posixsubprocess = None  # type: ignore[assignment]

MAX_FORKS = 8
FILE_LIMIT = 16 * 1024 * 1024


def confine(memory_mb: int) -> None:
    """Apply the limits to the calling process (a freshly forked child)."""
    if resource is not None:
        limits = [
            (resource.RLIMIT_AS, _address_space() + memory_mb * 1024 * 1024),
            (resource.RLIMIT_FSIZE, FILE_LIMIT),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_NPROC, MAX_FORKS + 64),
        ]
        for which, value in limits:
            with contextlib.suppress(ValueError, OSError):  # not lowerable here: the other guards still apply
                resource.setrlimit(which, (value, value))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _guard_process_creation()


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _guard_process_creation() -> None:
    """RLIMIT_NPROC does not bind root: count process creation in Python as well.

    A candidate may start a few processes; those may start none, so a fork bomb stays small.
    """
    budget = [MAX_FORKS]

    def counted(real: Callable[..., Any], child_check: bool) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if budget[0] <= 0:
                raise BlockingIOError(errno.EAGAIN, "codefit: process limit reached for this candidate")
            budget[0] -= 1
            result = real(*args, **kwargs)
            if child_check and result == 0:
                budget[0] = 0
            return result

        return wrapper

    os.fork = counted(os.fork, True)
    for name in ("system", "posix_spawn", "posix_spawnp", "forkpty"):
        if hasattr(os, name):
            setattr(os, name, counted(getattr(os, name), name == "forkpty"))
    if hasattr(subprocess, "_fork_exec"):
        subprocess._fork_exec = counted(subprocess._fork_exec, False)
    if _posixsubprocess is not None:
        _posixsubprocess.fork_exec = counted(_posixsubprocess.fork_exec, False)
