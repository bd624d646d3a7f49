"""Run a subprocess with a wall-clock limit, killing its whole process group on expiry.

Output is read as it comes and bounded: each stream keeps its first and last
`max_output_bytes / 2` bytes, with a marker saying how much was cut between them, so a program
that prints gigabytes costs codefit a fixed amount of memory. (The sandbox cannot bound output:
RLIMIT_FSIZE applies to regular files, not to pipes.)
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from codefit.workspace import lifetime

# Per stream. Large enough for the JSON that ruff, mypy, pyright and agent CLIs print; callers
# that only show output (the command optimizer, the command and pytest sensors) can pass less.
DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024
# Where output is only kept for people to read (results travel another way), 1 MiB is plenty.
DISPLAY_OUTPUT_BYTES = 1024 * 1024
CHUNK = 64 * 1024
LINGER_S = 5.0


@dataclass(frozen=True)
class Completed:
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool
    cut_bytes: int = 0  # output dropped from the middle of stdout and stderr, together

    @property
    def output(self) -> str:
        return self.stdout + (("\n" + self.stderr) if self.stderr else "")


class BoundedCapture:
    """The first and last `limit // 2` bytes of a stream, and how many bytes fell between them."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.head = bytearray()
        self.tail: collections.deque[bytes] = collections.deque()
        self.tail_size = 0
        self.dropped = 0
        self.lock = threading.Lock()  # result() may run while a lingering reader still adds

    def add(self, chunk: bytes) -> None:
        with self.lock:
            self._add(chunk)

    def _add(self, chunk: bytes) -> None:
        if self.limit is None:
            self.head += chunk
            return
        room = self.limit // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail.append(chunk)
            self.tail_size += len(chunk)
            # Whole chunks leave from the left (no copying); the last partial trim is done once, in result().
            while len(self.tail) > 1 and self.tail_size - len(self.tail[0]) >= self._keep:
                self.tail_size -= len(self.tail[0])
                self.dropped += len(self.tail.popleft())

    @property
    def _keep(self) -> int:
        return 0 if self.limit is None else self.limit - self.limit // 2

    def result(self) -> tuple[str, int]:
        """The kept text (with a marker where bytes were cut) and the number of bytes cut."""
        with self.lock:
            head, tail = bytes(self.head), b"".join(self.tail)
        extra = max(0, len(tail) - self._keep) if self.limit is not None else 0
        cut = self.dropped + extra
        marker = f"\n... [{cut} bytes of output cut] ...\n".encode() if cut else b""
        text = (head + marker + tail[extra:]).decode(errors="replace")
        if "\r" in text:  # universal newlines, as text=True gave
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text, cut


def run_bounded(
    argv: Sequence[str] | str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    shell: bool = False,
    stdin_text: str | None = None,
    max_output_bytes: int | None = DEFAULT_MAX_OUTPUT_BYTES,
    on_output: Callable[[bytes], None] | None = None,
) -> Completed:
    """Run to completion or until the limit; a hang kills the process group, never codefit.

    `max_output_bytes` bounds what is kept of each of stdout and stderr (None keeps everything);
    `on_output` sees stdout as it comes (from another thread), to show it live.
    """
    start = time.monotonic()
    proc = lifetime.popen(  # its own session, ended with codefit however codefit ends
        argv,
        cwd=cwd,
        env=dict(env),
        shell=shell,
        stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        return _complete(proc, start, timeout_s, stdin_text, max_output_bytes, on_output)
    finally:
        if proc.returncode is None:  # an exception (Ctrl-C) must not leave it running either
            _kill_group(proc.pid)
            proc.wait()
        lifetime.finished(proc)


def _complete(
    proc: subprocess.Popen[bytes],
    start: float,
    timeout_s: float,
    stdin_text: str | None,
    max_output_bytes: int | None,
    on_output: Callable[[bytes], None] | None = None,
) -> Completed:
    out, err = BoundedCapture(max_output_bytes), BoundedCapture(max_output_bytes)
    assert proc.stdout is not None and proc.stderr is not None
    threads = [_thread(_drain, proc.stdout, out, on_output), _thread(_drain, proc.stderr, err)]
    if stdin_text is not None:
        assert proc.stdin is not None
        threads.append(_thread(_feed, proc.stdin, stdin_text.encode()))
    deadline = start + timeout_s
    timed_out = False
    try:
        wait_exit(proc, timeout_s)
        # A child that outlives the process may hold the pipes open: it gets what is left of the limit.
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        timed_out = any(t.is_alive() for t in threads)
    except subprocess.TimeoutExpired:
        timed_out = True
    if timed_out:
        _kill_group(proc.pid)
        proc.wait()
    for thread in threads:
        thread.join(LINGER_S)  # a grandchild that left the process group may keep a pipe open: stop waiting
    stdout, cut_out = out.result()
    stderr, cut_err = err.result()
    return Completed(
        returncode=None if timed_out else proc.returncode,
        stdout=stdout,
        stderr=stderr,
        duration_s=time.monotonic() - start,
        timed_out=timed_out,
        cut_bytes=cut_out + cut_err,
    )


def wait_exit(proc: subprocess.Popen[bytes], timeout_s: float) -> int:
    """`proc.wait(timeout=timeout_s)` woken by the exit itself (a pidfd) rather than by the polling
    that `Popen.wait` does with a timeout, which notices an exit up to 50 ms late."""
    if proc.returncode is not None:  # reaped: its pid may be another process's by now
        return proc.returncode
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+
        return proc.wait(timeout=timeout_s)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(max(0, int(timeout_s * 1000))):
            raise subprocess.TimeoutExpired(proc.args, timeout_s)
    finally:
        os.close(fd)
    return proc.wait()


def _thread(target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _drain(
    pipe: IO[bytes], capture: BoundedCapture, on_output: Callable[[bytes], None] | None = None
) -> None:
    with pipe:
        fd = pipe.fileno()
        while chunk := os.read(fd, CHUNK):
            capture.add(chunk)
            if on_output is not None:
                with contextlib.suppress(Exception):  # a display must never cost the output
                    on_output(chunk)


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, OSError), pipe:
        pipe.write(data)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
