"""Kill `codefit fit` with SIGKILL mid-step, then look for any process of that run still alive.

A run's processes are found by a marker in their environment (every process codefit starts for a
run inherits codefit's environment), not by codefit's own records: the test must not trust what
it checks. Whatever is found is killed before the test ends, pass or fail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

MARK = "CODEFIT_KILL_TEST_MARK"
WAIT_S = 120.0


def marked(mark: str) -> dict[int, str]:
    """pid -> command line of every live process whose environment carries `mark`."""
    found: dict[int, str] = {}
    needle = f"{MARK}={mark}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            found[int(entry)] = argv
    return found


def wait_for(
    what: str, check: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = WAIT_S
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"codefit ended before {what}: {proc.returncode}\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class KilledFit:
    """`codefit fit` in `repo`, its run's processes marked; `survivors()` after `kill()`."""

    def __init__(self, repo: Path, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.mark = uuid.uuid4().hex
        self.workdir = workdir
        environ = {**os.environ, **(env or {}), MARK: self.mark, "CODEFIT_WORKDIR": str(workdir)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codefit.cli", "fit"],
            cwd=repo,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # our own kill reaches it alone, as `kill -9 PID` would
        )

    def running(self, word: str) -> Callable[[], bool]:
        """A check: some process of the run has `word` in its command line."""
        return lambda: any(word in argv for argv in marked(self.mark).values())

    def wait_running(self, word: str) -> None:
        wait_for(f"a process running {word!r}", self.running(word), self.proc)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.communicate()

    def survivors(self, grace: float = 10.0) -> dict[int, str]:
        """What of the run is still alive `grace` seconds after the kill (empty as soon as it is)."""
        deadline = time.monotonic() + grace
        while (left := marked(self.mark)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def cleanup(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        for pid in marked(self.mark):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def killed_fit(repo: Path, workdir: Path, env: dict[str, str] | None = None) -> Iterator[KilledFit]:
    fit = KilledFit(repo, workdir, env)
    try:
        yield fit
    finally:
        fit.cleanup()


def without_sandbox(directory: Path) -> dict[str, str]:
    """An environment whose `bwrap` cannot start, as on a host without user namespaces."""
    directory.mkdir(parents=True, exist_ok=True)
    fake = directory / "bwrap"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    return {"PATH": f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"}
