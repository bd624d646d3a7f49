"""The fork server: collects a pytest session once, then runs candidates in forked children.

Run by path with the interpreter of the code under test (`python forkserver_main.py ARGS...`),
from the root of the tree; it needs only the standard library and pytest (coverage.py when
coverage is asked for, with a settrace fallback). Self-contained on purpose: codefit itself may
not be installed in that interpreter.

Protocol: JSON lines. Requests on stdin, replies on the original stdout (stray prints of the
code under test go to stderr). First reply: {"event": "ready", "items": [...], "errors": [...],
"lean": [the items run without pytest's per-item protocol when no details are asked]}.
Request: {"files": {path: source}, "tests": [nodeid] | null, "timeout": s, "test_timeout": s,
"memory_mb": n, "coverage": bool}. Reply: {"status": "ok|timeout|crashed", "results": [...],
"coverage": {nodeid: {path: [line]}}}. With CODEFIT_FORKSERVER_NOFORK=1 the server answers one
request in-process and exits (the fallback where fork is unavailable).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import json
import os
import select
import signal
import sys
import time
import types
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest


def _sibling(name: str) -> types.ModuleType:
    """A helper module next to this script, loaded by path: codefit may not be importable here."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location(f"_codefit_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from codefit.optimizers.search import forkserver_confine as confinement
    from codefit.optimizers.search import forkserver_lean as lean
    from codefit.optimizers.search import forkserver_patching as patching
else:
    confinement = _sibling("forkserver_confine")
    lean = _sibling("forkserver_lean")
    patching = _sibling("forkserver_patching")

MAX_ZOMBIES = 16
READ_LIMIT = 32 * 1024 * 1024
MESSAGE_LIMIT = 1000


class _Recorder:
    """Pytest plugin: one result per test, with the failing call's traceback locations."""

    def __init__(self) -> None:
        self.items: list[pytest.Item] = []
        self.errors: list[dict[str, str]] = []
        self.emit: Callable[[dict[str, Any]], None] = lambda record: None
        self.test_timeout = 0.0
        self.test_cpu = 0.0  # CPU seconds per test: an endless loop's cost
        self.details = True  # tracebacks and messages: wanted for the baseline, not for every candidate
        self.served = False
        self._traces: dict[str, list[list[Any]]] = {}

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append({"nodeid": report.nodeid, "message": str(report.longrepr)[:MESSAGE_LIMIT]})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.items = list(session.items)

    # Old-style wrappers: pluggy before 1.1 (a project pinned to pytest 7) knows no `wrapper=True`.
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, None]:
        with lean.alarm(self.test_timeout, self.test_cpu):
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, None]:
        yield
        if call.excinfo is not None and self.details:
            self._traces[item.nodeid] = [[str(e.path), e.lineno + 1] for e in call.excinfo.traceback]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = _outcome(report)
        if outcome is None:
            return
        message = str(report.longrepr)[-MESSAGE_LIMIT:] if report.failed and self.details else ""
        self.emit(
            {
                "nodeid": report.nodeid,
                "outcome": outcome,
                "message": message,
                "trace": self._traces.get(report.nodeid, []),
            }
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        self.served = True
        _serve(self, session)
        return True


def _outcome(report: pytest.TestReport) -> str | None:
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if xfail:
            return "xfailed" if report.skipped else "xpassed"
        return str(report.outcome)
    if report.failed:
        return "error"
    if report.skipped and report.when == "setup":
        return "xfailed" if xfail else "skipped"
    return None


# --- the serving loop (parent side) -------------------------------------------------------------


class _Served:
    """What every child inherits, prepared once after collection and before any fork."""

    def __init__(self, recorder: _Recorder, session: pytest.Session) -> None:
        self.recorder = recorder
        self.by_id = {item.nodeid: item for item in recorder.items}
        self.patcher = patching.Patcher(os.getcwd())
        self.lean = lean.LeanRunner(session, recorder)
        self.lean_items = frozenset(item.nodeid for item in recorder.items if self.lean.eligible(item))
        self.zombies: list[int] = []  # killed children not reaped yet


def _serve(recorder: _Recorder, session: pytest.Session) -> None:
    reply = _PROTOCOL
    nofork = os.environ.get("CODEFIT_FORKSERVER_NOFORK") == "1"
    served = _Served(recorder, session)
    gc.freeze()  # children share the session's objects instead of copying pages as the collector runs
    items = [i.nodeid for i in recorder.items]
    lean_items = [n for n in items if n in served.lean_items]
    _send(reply, {"event": "ready", "items": items, "errors": recorder.errors, "lean": lean_items})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("op") == "quit":
                return
            if nofork:
                _send(reply, _run_inline(served, request))
                return
            _send(reply, _run_forked(served, request))
    finally:
        _reap(served.zombies, block=True)


def _send(stream: Any, record: dict[str, Any]) -> None:
    stream.write(json.dumps(record) + "\n")
    stream.flush()


def _run_forked(served: _Served, request: dict[str, Any]) -> dict[str, Any]:
    start = time.monotonic()
    _reap(served.zombies, block=len(served.zombies) >= MAX_ZOMBIES)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        try:
            gc.disable()  # a child lives for milliseconds; RLIMIT_AS bounds what it allocates
            os.setpgid(0, 0)
            confinement.confine(int(request.get("memory_mb", 1024)), float(request.get("timeout", 10.0)))
            confinement.cpu_deadline(float(request.get("cpu", 0) or 0))
            _run_candidate(served, request, lambda rec: _write_line(write_fd, rec))
        finally:
            os._exit(0)
    os.close(write_fd)
    lines, status, reaped = _collect(read_fd, pid, float(request.get("timeout", 10.0)))
    os.close(read_fd)
    _kill_group(pid)
    if not reaped:
        served.zombies.append(pid)  # reaped later: tearing down its memory need not delay the reply
    return _reply(lines, status, time.monotonic() - start)


def _run_inline(served: _Served, request: dict[str, Any]) -> dict[str, Any]:
    start = time.monotonic()
    lines: list[dict[str, Any]] = []
    _run_candidate(served, request, lines.append)
    status = "ok" if lines and lines[-1].get("done") else "crashed"
    return _reply(lines, status, time.monotonic() - start)


def _reply(lines: list[dict[str, Any]], status: str, duration: float) -> dict[str, Any]:
    results = [r for r in lines if "nodeid" in r]
    coverage: dict[str, Any] = {}
    patch_error = ""
    cpu = 0.0
    for record in lines:
        coverage.update(record.get("coverage", {}))
        cpu = float(record.get("cpu", cpu))
        patch_error = patch_error or record.get("patch_error", "")
    return {
        "status": status,
        "results": results,
        "coverage": coverage,
        "patch_error": patch_error,
        "duration": duration,
        "cpu": cpu,
    }


def _collect(fd: int, pid: int, timeout: float) -> tuple[list[dict[str, Any]], str, bool]:
    """Read the child's lines until it says done, exits, or runs out of time; True if it was reaped."""
    deadline = time.monotonic() + timeout
    buffer = b""
    total = 0
    exited = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return _parse(buffer), "timeout", exited
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.05))
        if ready:
            chunk = os.read(fd, 65536)
            total += len(chunk)
            buffer += chunk
            if not chunk or total > READ_LIMIT or b'"done": true' in buffer:
                break
        elif exited:
            break
        elif os.waitpid(pid, os.WNOHANG)[0] != 0:
            exited = True  # drain what is already in the pipe, then stop
    lines = _parse(buffer)
    done = bool(lines) and bool(lines[-1].get("done"))
    return lines, "ok" if done else "crashed", exited


def _parse(buffer: bytes) -> list[dict[str, Any]]:
    out = []
    for raw in buffer.split(b"\n"):
        try:
            record = json.loads(raw)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(record, dict):
            out.append(record)
    return out


def _kill_group(pid: int) -> None:
    """Kill the child and whatever it started (its group survives the child while members live)."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def _reap(zombies: list[int], *, block: bool) -> None:
    """Wait for killed children; without `block`, only for those already gone."""
    for pid in list(zombies):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            zombies.remove(pid)


def _write_line(fd: int, record: dict[str, Any]) -> None:
    data = (json.dumps(record) + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


# --- the child side -----------------------------------------------------------------------------


def _run_candidate(served: _Served, request: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
    started = time.process_time()  # CPU time, which a busy machine does not inflate
    try:
        served.patcher.apply(request.get("files", {}))
    except BaseException as exc:  # a candidate that does not even import
        emit({"patch_error": f"{type(exc).__name__}: {exc}"[:MESSAGE_LIMIT]})
        emit({"done": True})
        return
    recorder = served.recorder
    recorder.test_timeout = float(request.get("test_timeout", 0) or 0)
    recorder.test_cpu = float(request.get("test_cpu", 0) or 0)
    recorder.details = bool(request.get("details", True))
    wanted = request.get("tests")
    selected = recorder.items if wanted is None else [served.by_id[n] for n in wanted if n in served.by_id]
    if not recorder.details:
        for item in selected:  # pytest's failure rendering is a third of a failing test's cost
            if item.nodeid not in served.lean_items:  # lean runs render nothing
                item.repr_failure = _terse_failure  # type: ignore[method-assign]
    gate = int(request.get("gate", 0) or 0)
    gate_passed = [0]

    def counting_emit(record: dict[str, Any]) -> None:
        if record.get("outcome") in ("passed", "xfailed", "skipped"):
            gate_passed[0] += 1
        emit(record)

    recorder.emit = counting_emit
    tracer = _Tracer() if request.get("coverage") else None
    for i, item in enumerate(selected):
        if gate and i == gate and gate_passed[0] == 0:
            break  # none of the gate tests passes: the rest cannot make this candidate useful
        following = selected[i + 1] if i + 1 < len(selected) else None
        if tracer is not None:
            tracer.switch(item.nodeid)
        if not recorder.details and item.nodeid in served.lean_items:
            outcome = served.lean.run(item, following, recorder.test_timeout, recorder.test_cpu)
            counting_emit({"nodeid": item.nodeid, "outcome": outcome, "message": "", "trace": []})
            continue
        try:
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        except BaseException as exc:  # os._exit never gets here; SystemExit from teardown may
            emit(
                {"nodeid": item.nodeid, "outcome": "error", "message": repr(exc)[:MESSAGE_LIMIT], "trace": []}
            )
    if tracer is not None:
        emit({"coverage": tracer.finish()})
    emit({"cpu": time.process_time() - started})
    emit({"done": True})


def _terse_failure(excinfo: Any, style: Any = None) -> str:
    return str(excinfo.typename)


class _Tracer:
    """Per-test line coverage under the tree: coverage.py contexts, or sys.settrace without it."""

    def __init__(self) -> None:
        self.root = os.getcwd() + os.sep
        self._lines: dict[str, dict[str, set[int]]] = {}
        self._current: dict[str, set[int]] | None = None
        try:
            import coverage
        except ImportError:
            self._cov = None
            sys.settrace(self._trace)
        else:
            self._cov = coverage.Coverage(data_file=None, include=[self.root + "*"], config_file=False)
            self._cov.start()

    def switch(self, nodeid: str) -> None:
        if self._cov is not None:
            self._cov.switch_context(nodeid)
        else:
            self._current = self._lines.setdefault(nodeid, {})

    def finish(self) -> dict[str, dict[str, list[int]]]:
        if self._cov is None:
            sys.settrace(None)
        else:
            self._cov.stop()
            data = self._cov.get_data()
            for path in data.measured_files():
                for line, contexts in data.contexts_by_lineno(path).items():
                    for context in contexts:
                        self._lines.setdefault(context, {}).setdefault(path, set()).add(line)
        return {c: {p: sorted(ls) for p, ls in files.items()} for c, files in self._lines.items() if c}

    def _trace(self, frame: types.FrameType, event: str, arg: object) -> Any:
        # As coverage.py does: the real path, so that code imported through the sandbox's view of the
        # user's repository (a link to the tree) counts as the tree's.
        path = _realpath(frame.f_code.co_filename)
        if not path.startswith(self.root) or self._current is None:
            return None
        lines = self._current.setdefault(path, set())

        def local(frame: types.FrameType, event: str, arg: object) -> Any:
            if event == "line":
                lines.add(frame.f_lineno)
            return local

        return local


@functools.lru_cache(maxsize=4096)
def _realpath(path: str) -> str:
    return os.path.realpath(path) if path.startswith(os.sep) else path


# --- entry point ----------------------------------------------------------------------------------

_PROTOCOL: Any = None


def main(argv: list[str]) -> int:
    global _PROTOCOL
    sys.path[0] = os.getcwd()  # like `python -m pytest`, not the directory of this script
    sys.dont_write_bytecode = True
    _PROTOCOL = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # output of imports and collection must not corrupt the protocol
    recorder = _Recorder()
    args = ["-p", "no:cacheprovider", "-s", "-q", "--tb=line", "-p", "no:randomly", *argv]
    code = pytest.main(args, plugins=[recorder])
    if not recorder.served:  # pytest stopped before the run loop (bad arguments, no tests)
        _send(_PROTOCOL, {"event": "ready", "items": [], "errors": [], "exit": int(code)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
