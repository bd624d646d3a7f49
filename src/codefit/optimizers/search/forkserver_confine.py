"""Limits for one candidate's child: memory, CPU time, file size, processes, no terminal output.

Loaded by path by forkserver_main.py into the server, so `resource` is imported once there and
not by every child (loading an extension module costs a child a millisecond).
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import signal
import subprocess
import sys
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
PR_SET_PDEATHSIG = 1


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


LIBC = _libc()
NPROC_MARGIN = 64  # for what the user's other programs start while the server runs


def _user_threads() -> int | None:
    """Threads of this user now, which RLIMIT_NPROC counts; None where it does not apply or /proc is missing.

    Root is not bound by RLIMIT_NPROC; for anyone else a fixed limit would stop every process
    creation of a candidate on a desktop already running hundreds of them.
    """
    if resource is None or os.geteuid() == 0:
        return None
    uid = str(os.getuid())
    total = 0
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if fields.get("Uid", "").split()[:1] == [uid]:
            total += int(fields.get("Threads", "1").strip() or 1)
    return total


USER_THREADS = _user_threads()  # once, in the server


def confine(memory_mb: int, seconds: float) -> None:
    """Apply the limits to the calling process (a freshly forked child).

    The server kills a child past its deadline; the CPU limit and the parent-death signal also end
    one whose server was killed first (a pool restarting a server that stopped answering).
    """
    if LIBC is not None:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if resource is not None:
        cpu = math.ceil(seconds) + 1  # CPU time starts at zero in a fresh fork
        limits = [
            (resource.RLIMIT_AS, _address_space() + memory_mb * 1024 * 1024, None),
            (resource.RLIMIT_CPU, cpu, cpu + 1),  # SIGXCPU, then SIGKILL
            (resource.RLIMIT_FSIZE, FILE_LIMIT, None),
            (resource.RLIMIT_CORE, 0, None),
        ]
        if USER_THREADS is not None:  # counted for the whole user: what runs already, plus a few
            limits.append((resource.RLIMIT_NPROC, USER_THREADS + MAX_FORKS + NPROC_MARGIN, None))
        for which, soft, hard in limits:
            with contextlib.suppress(ValueError, OSError):  # not lowerable here: the other guards still apply
                resource.setrlimit(which, (soft, soft if hard is None else hard))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _guard_process_creation()


def cpu_deadline(seconds: float) -> None:
    """End the process once it has used `seconds` of CPU time (user and system): the kernel's
    default action for SIGPROF, so a loop inside C code (a huge integer shift) ends too, and a busy
    machine does not end an honest candidate as a wall-clock deadline would. 0 = none."""
    if seconds > 0:
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_PROF, seconds)


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
