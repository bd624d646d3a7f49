"""Evaluating candidate patches: a long-lived fork server, or a fresh process per candidate.

The server (forkserver_main.py) runs in the interpreter of the code under test. It collects the
test session once; each candidate then runs in a forked child with the patched modules, limits
and a kill on hang, so no state leaks from one candidate to the next.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from pydantic import Field

from codefit.errors import OptimizerError
from codefit.records import Record
from codefit.sensors.base import Outcome
from codefit.workspace import lifetime
from codefit.workspace.sandbox import SandboxSpec, confined_env, wrap_command

SERVER_SCRIPT = Path(__file__).with_name("forkserver_main.py")
STARTUP_TIMEOUT_S = 120.0
SLACK_S = 5.0
GOOD = (Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED)


class EvalStatus(StrEnum):
    OK = "ok"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    INVALID = "invalid"  # the patched source does not compile or import


class Limits(Record):
    """What one candidate may use."""

    timeout_s: float = Field(default=10.0, gt=0, description="Seconds for all of a candidate's tests.")
    test_timeout_s: float = Field(default=2.0, ge=0, description="Seconds per test; 0 = none.")
    test_cpu_s: float = Field(default=0.0, ge=0, description="CPU seconds per test; 0 = none.")
    cpu_s: float = Field(default=0.0, ge=0, description="CPU seconds for all of a candidate; 0 = none.")
    memory_mb: int = Field(default=512, gt=0, description="Address space a candidate may add.")
    startup_s: float = Field(
        default=STARTUP_TIMEOUT_S, gt=0, description="Seconds the server may take to collect the tests."
    )


class TestRun(Record):
    __test__ = False

    nodeid: str
    outcome: Outcome
    message: str = ""
    trace: tuple[tuple[str, int], ...] = ()


class Evaluation(Record):
    """The outcome of running some tests against one candidate."""

    status: EvalStatus
    results: dict[str, TestRun] = Field(default_factory=dict)
    coverage: dict[str, dict[str, tuple[int, ...]]] = Field(default_factory=dict)
    error: str = ""
    duration_s: float = 0.0
    cpu_s: float = 0.0  # the candidate's CPU time, when it finished

    def outcome(self, nodeid: str) -> Outcome:
        """A test that never reported (crash, hang, os._exit) counts as an error."""
        result = self.results.get(nodeid)
        return result.outcome if result else Outcome.ERROR

    def passes(self, nodeid: str) -> bool:
        return self.outcome(nodeid) in GOOD

    def passing(self, nodeids: Sequence[str]) -> int:
        return sum(1 for n in nodeids if self.passes(n))


class Collected(Record):
    items: tuple[str, ...]
    errors: tuple[str, ...] = ()
    lean: tuple[str, ...] = ()  # items run without pytest's per-item protocol (see forkserver_lean.py)


class ForkServer:
    """Runs candidates against a tree; `fork=False` starts a fresh process for each one."""

    def __init__(
        self,
        tree: Path,
        python: str,
        env: Mapping[str, str],
        args: Sequence[str],
        *,
        limits: Limits | None = None,
        fork: bool = True,
        sandbox: SandboxSpec | None = None,
    ) -> None:
        self.tree = tree.resolve()
        self.sandbox = sandbox  # None: unconfined (callers that confine otherwise)
        self.python = python
        self.args = list(args)
        self.limits = limits or Limits()
        self.fork = fork and hasattr(os, "fork")
        self.env = _server_env(env, nofork=not self.fork)
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: _LineReader | None = None
        self._log: IO[bytes] | None = None
        self.collected = Collected(items=())

    def __enter__(self) -> ForkServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Collected:
        self.launch()
        return self.wait_ready()

    def launch(self) -> None:
        """Start the server process without waiting for it to collect the tests."""
        self.close()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        argv, env = self._confined([self.python, str(SERVER_SCRIPT), *self.args])
        self._proc = lifetime.popen(  # ends with codefit, even while stuck collecting
            argv,
            cwd=self.tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        assert self._proc.stdout is not None
        self._reader = _LineReader(self._proc.stdout.fileno())

    def wait_ready(self) -> Collected:
        """Wait for a launched server's collection (OptimizerError when it does not come)."""
        ready = self._ready()
        self.collected = Collected(
            items=tuple(ready.get("items", [])),
            errors=tuple(e["nodeid"] + ": " + e["message"] for e in ready.get("errors", [])),
            lean=tuple(ready.get("lean", [])),
        )
        if not self.fork:
            self.close()
        return self.collected

    def request(
        self,
        files: Mapping[Path, str],
        tests: Sequence[str] | None = None,
        *,
        coverage: bool = False,
        details: bool = False,
        gate: int = 0,
    ) -> dict[str, Any]:
        """The request `run` sends; see `run` for the arguments."""
        return {
            "files": {str(p): s for p, s in files.items()},
            "tests": None if tests is None else list(tests),
            "timeout": self.limits.timeout_s * (10 if coverage else 1),
            "test_timeout": self.limits.test_timeout_s,
            "test_cpu": 0 if coverage else self.limits.test_cpu_s,  # tracing is slow
            "cpu": 0 if coverage else self.limits.cpu_s,
            "memory_mb": self.limits.memory_mb,
            "coverage": coverage,
            "details": coverage or details,
            "gate": gate,
        }

    def run(
        self,
        files: Mapping[Path, str],
        tests: Sequence[str] | None = None,
        *,
        coverage: bool = False,
        details: bool = False,
        gate: int = 0,
    ) -> Evaluation:
        """Run `tests` (None = all) with `files` (absolute path -> source) replacing those on disk.

        `coverage` adds per-test lines; `details` keeps failure messages and tracebacks (slower).
        With `gate` = n, the rest of the tests are skipped when none of the first n passes.
        """
        request = self.request(files, tests, coverage=coverage, details=details, gate=gate)
        if not self.submit(request):
            return _evaluation(None)
        assert self._reader is not None
        reply = self._reader.readline(self.reply_timeout(request))
        return self.finish(reply)

    def submit(self, request: dict[str, Any]) -> bool:
        """Send a request (restarting a server that died); False when it cannot be sent."""
        if self._proc is None or self._proc.poll() is not None:
            self._spawn()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
        except OSError:
            self.close()
            return False
        return True

    @staticmethod
    def reply_timeout(request: dict[str, Any]) -> float:
        """How long the server may take to answer: its own deadline for the child, and some slack."""
        return float(request["timeout"]) + SLACK_S

    def fileno(self) -> int:
        """The pipe replies arrive on, for select()."""
        assert self._reader is not None
        return self._reader.fd

    def poll(self) -> tuple[bool, dict[str, Any] | None]:
        """After select() found the pipe readable: (answered, reply); a closed pipe answers None."""
        assert self._reader is not None
        if not self._reader.pending() and not self._reader.fill():
            return True, None
        return (True, self._reader.take()) if self._reader.pending() else (False, None)

    def finish(self, reply: dict[str, Any] | None) -> Evaluation:
        """The evaluation of a reply (None: the server hung or died, and is closed to start afresh)."""
        if reply is None or not self.fork:
            self.close()
        return _evaluation(reply)

    def close(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(OSError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
            lifetime.finished(self._proc)
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _spawn(self) -> dict[str, Any]:
        self.launch()
        return self._ready()

    def _ready(self) -> dict[str, Any]:
        assert self._reader is not None
        ready = self._reader.readline(self.limits.startup_s)
        if ready is None and self._proc is not None and self._proc.poll() is None:
            self.close()
            raise OptimizerError(
                f"collection hung: the evaluation server collected nothing in {self.limits.startup_s:g}s "
                "(the step's time budget; an import or a conftest.py that blocks?)",
                where=str(self.tree),
            )
        if ready is None or ready.get("event") != "ready":
            detail = self._stderr_tail()
            self.close()
            raise OptimizerError(
                f"the evaluation server did not start: {detail or 'no output'}", where=str(self.tree)
            )
        return ready

    def _stderr_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:].strip()

    def _confined(self, argv: list[str]) -> tuple[list[str], dict[str, str]]:
        """The server's argv and env, under the sandbox when it has one."""
        if self.sandbox is None:
            return argv, dict(self.env)
        return wrap_command(argv, self.sandbox), confined_env(self.env, self.sandbox)


def _server_env(env: Mapping[str, str], *, nofork: bool) -> dict[str, str]:
    out = {k: v for k, v in env.items() if k not in ("PYTEST_ADDOPTS", "CODEFIT_PYTEST_REPORT")}
    out["PYTHONDONTWRITEBYTECODE"] = "1"
    if nofork:
        out["CODEFIT_FORKSERVER_NOFORK"] = "1"
    return out


def _evaluation(reply: dict[str, Any] | None) -> Evaluation:
    if reply is None:
        return Evaluation(status=EvalStatus.CRASHED, error="the evaluation server stopped answering")
    results: dict[str, TestRun] = {}
    for raw in reply.get("results", []):
        result = TestRun(
            nodeid=raw["nodeid"],
            outcome=Outcome(raw["outcome"]),
            message=raw.get("message", ""),
            trace=tuple((str(p), int(n)) for p, n in raw.get("trace", [])),
        )
        old = results.get(result.nodeid)
        if old is None or old.outcome in GOOD:  # a teardown error outranks a passing call
            results[result.nodeid] = result
    patch_error = str(reply.get("patch_error", ""))
    status = EvalStatus.INVALID if patch_error else EvalStatus(reply.get("status", "crashed"))
    coverage = {
        test: {path: tuple(lines) for path, lines in files.items()}
        for test, files in reply.get("coverage", {}).items()
    }
    return Evaluation(
        status=status,
        results=results,
        coverage=coverage,
        error=patch_error,
        duration_s=float(reply.get("duration", 0.0)),
        cpu_s=float(reply.get("cpu", 0.0)),
    )


class _LineReader:
    """Reads JSON lines from a pipe with a deadline, so a stuck server cannot hang codefit."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def pending(self) -> bool:
        return b"\n" in self.buffer

    def fill(self) -> bool:
        """Read what the pipe holds (it must be readable); False at end of file."""
        chunk = os.read(self.fd, 1 << 20)
        self.buffer += chunk
        return bool(chunk)

    def take(self) -> dict[str, Any] | None:
        """The first complete line, parsed (None when it is not a JSON object)."""
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            record = json.loads(line)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def readline(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while not self.pending():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready or not self.fill():
                return None
        return self.take()
