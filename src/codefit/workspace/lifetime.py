"""Every process codefit starts for a run ends when codefit ends, however it ends.

Three layers, each catching what the one before cannot:

- `popen` (the one launch point: sensors, agent CLIs, the command optimizer, fork servers) starts
  a child in its own session with a parent-death signal: `PR_SET_PDEATHSIG = SIGKILL`, set between
  fork and exec, then a check that codefit did not die meanwhile. The kernel kills the child when
  codefit dies, by `kill -9` too, even while the child's main thread is stuck in an import.
  (The signal follows the *thread* that started the child: launch from a thread that outlives it.)
- `recording(run_dir)` starts a reaper for the run: a small process reading a pipe from codefit.
  Each child is announced on it; when the pipe closes (codefit ended, however) the reaper kills
  whatever is left of them: the grandchildren the parent-death signal misses, and those a sandbox
  moved to a session of their own (a credential change clears a parent-death signal too).
- Each child is also appended to `run_dir/processes.jsonl`, after codefit's own process, so
  `codefit doctor` can find stragglers of an earlier run later (`Ledger.strays`).

A process belongs to a launch when it carries the launch's mark in its environment
(`CODEFIT_LIFETIME=RUN:N`, random per run, inherited by every descendant that keeps its
environment), or when its session or process group is the launch's pid and it started no earlier
(an id is not reused while a process holds it).

Stdlib only, nothing of codefit imported: the reaper runs this file with `python -I -S`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

LEDGER_NAME = "processes.jsonl"
MARK_ENV = "CODEFIT_LIFETIME"
PR_SET_PDEATHSIG = 1
REAP_ROUNDS = 5  # a process forking while it is killed gets a few more sweeps
REAPER_EXIT_S = 5.0


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


_LIBC = _libc()


# --- identity of processes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    """One live process as /proc shows it."""

    pid: int
    pgid: int
    sid: int
    start: int  # clock ticks after boot
    argv: str
    mark: str = ""  # CODEFIT_LIFETIME in its environment, when readable


def read_proc(pid: int, since: int = 0) -> Proc | None:
    """The process `pid`, or None when it is gone, not readable, or started before `since`."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode(errors="replace")
        fields = stat[stat.rfind(")") + 2 :].split()  # the name may hold spaces and parentheses
        if len(fields) < 20 or fields[0] == "Z" or int(fields[19]) < since:
            return None  # a zombie holds nothing: it only waits for its parent
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (OSError, ValueError):
        return None
    return Proc(pid, int(fields[2]), int(fields[3]), int(fields[19]), argv[:300], _mark(pid))


def _mark(pid: int) -> str:
    prefix = MARK_ENV.encode() + b"="
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            environ = fh.read()
    except OSError:
        return ""
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace")
    return ""


def all_procs(since: int = 0) -> list[Proc]:
    """Every live process started at `since` or later (clock ticks after boot): only those are
    read in full, so a scan for one run's processes costs little on a busy machine."""
    try:
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    found = (read_proc(pid, since) for pid in pids)
    return [p for p in found if p is not None]


def boot_id() -> str:
    """Start times count from boot: after a reboot no recorded process is alive."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class Session:
    """A recorded launch: the child's pid (its session and group id), its start time, its mark."""

    sid: int
    start: int
    mark: str

    def members(self, procs: Iterable[Proc]) -> list[Proc]:
        return [
            p
            for p in procs
            if (self.mark and p.mark == self.mark)
            or (self.start > 0 and self.sid in (p.sid, p.pgid) and p.start >= self.start)
        ]


def kill_sessions(sessions: Sequence[Session], *, spare: int | None = None) -> int:
    """SIGKILL every live member of `sessions` (never `spare`); how many were killed."""
    if not sessions:
        return 0
    killed = 0
    since = min(s.start for s in sessions)
    for _ in range(REAP_ROUNDS):
        procs = all_procs(since)
        found = [p for s in sessions for p in s.members(procs) if p.pid != spare]
        if not found:
            break
        for proc in found:
            with contextlib.suppress(OSError):
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.05)
    return killed


# --- launching --------------------------------------------------------------------------------------


def child_setup(parent: int) -> Callable[[], None]:
    """Run in the child between fork and exec: die with `parent`, and at once if it is gone already."""

    def setup() -> None:
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return setup


_running: set[subprocess.Popen[bytes]] = set()  # started by `popen`, not yet `finished`


def popen(argv: Sequence[str] | str, **kwargs: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen` for a run's processes: its own session, killed when codefit dies, recorded."""
    recorder = _current
    mark = ""
    if recorder is not None:
        mark = recorder.next_mark()
        kwargs["env"] = {**(kwargs.get("env") or os.environ), MARK_ENV: mark}
    proc: subprocess.Popen[bytes] = subprocess.Popen(
        argv, start_new_session=True, preexec_fn=child_setup(os.getpid()), **kwargs
    )
    if recorder is not None:
        recorder.add(proc.pid, mark, argv)
    _running.add(proc)
    return proc


def finished(proc: subprocess.Popen[bytes]) -> None:
    """After `proc` (from `popen`) was waited for: end what it left behind in its session (a daemon
    it started is a stray too) and forget the session, whose id may now be reused."""
    _running.discard(proc)
    recorder = _current
    if recorder is not None:
        recorder.done(proc.pid)


@contextlib.contextmanager
def ending_launches_on_ctrl_c() -> Iterator[None]:
    """A Ctrl-C in the block ends the sessions of every process `popen` started and nobody waited for
    yet. Those of worker threads are meant: a Ctrl-C reaches the main thread only, and the terminal's
    signal never reaches a session of its own, so the threads would wait for their processes to end
    of themselves (a whole test suite) before the program could stop. (Any other error leaves them
    be: in a library caller's process they may be another run's.)"""
    try:
        yield
    except KeyboardInterrupt:
        for proc in list(_running):
            if proc.returncode is None:  # not reaped: its id is still its own
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        raise


# --- recording a run's processes --------------------------------------------------------------------


class Recorder:
    """The ledger of one run and the reaper that outlives codefit to end what it started."""

    def __init__(self, run_dir: Path) -> None:
        self.ledger = run_dir / LEDGER_NAME
        self.token = uuid.uuid4().hex
        self._launches = 0
        run_dir.mkdir(parents=True, exist_ok=True)
        me = read_proc(os.getpid())
        owner = {"owner": os.getpid(), "start": me.start if me else 0, "boot": boot_id(), "token": self.token}
        self._write(owner)
        self._reaper: subprocess.Popen[bytes] | None = None
        with contextlib.suppress(OSError):  # without it, the parent-death signal and the ledger still hold
            self._reaper = subprocess.Popen(
                [sys.executable, "-I", "-S", str(Path(__file__).resolve())],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C or a kill of codefit's group must not reach it
                close_fds=True,
            )
        self._reaper_pipe: IO[bytes] | None = self._reaper.stdin if self._reaper else None
        self._started: dict[int, Session] = {}

    def next_mark(self) -> str:
        self._launches += 1
        return f"{self.token}:{self._launches}"

    def add(self, pid: int, mark: str, argv: Sequence[str] | str) -> None:
        proc = read_proc(pid)
        start = proc.start if proc is not None else 0  # 0: gone already: only its mark finds the rest
        shown = argv if isinstance(argv, str) else " ".join(argv)
        self._started[pid] = Session(pid, start, mark)
        self._write({"sid": pid, "start": start, "mark": mark, "argv": shown[:300]})
        self._announce(f"{pid} {start} {mark}\n")

    def _announce(self, line: str) -> None:
        if self._reaper_pipe is not None:
            with contextlib.suppress(OSError):
                self._reaper_pipe.write(line.encode())
                self._reaper_pipe.flush()

    def done(self, pid: int) -> None:
        session = self._started.pop(pid, None)
        if session is None:
            return
        kill_sessions([session])
        self._write({"done": pid})
        self._announce(f"-{pid}\n")

    def close(self) -> None:
        """Let the reaper end what is left, and wait for it (briefly)."""
        if self._reaper_pipe is not None:
            with contextlib.suppress(OSError):
                self._reaper_pipe.close()
            self._reaper_pipe = None
        if self._reaper is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._reaper.wait(REAPER_EXIT_S)

    def _write(self, record: dict[str, Any]) -> None:
        with contextlib.suppress(OSError), self.ledger.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


_current: Recorder | None = None  # the run being recorded in this process; set only by `recording`


@contextlib.contextmanager
def recording(run_dir: Path) -> Iterator[Recorder]:
    """Record the processes started while the block runs as the run's, in `run_dir`."""
    global _current
    previous, recorder = _current, Recorder(run_dir)
    _current = recorder
    try:
        yield recorder
    finally:
        _current = previous
        recorder.close()


# --- stragglers of earlier runs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """What a run's `processes.jsonl` says: who ran it and the sessions it started."""

    path: Path
    owner: int
    owner_start: int
    boot: str
    token: str
    sessions: tuple[Session, ...]

    @classmethod
    def read(cls, path: Path) -> Ledger | None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return None
        owner, owner_start, boot, token = 0, 0, "", ""
        sessions: list[Session] = []
        for line in lines:
            try:
                record = json.loads(line)
                if "owner" in record:
                    owner, owner_start = int(record["owner"]), int(record["start"])
                    boot, token = str(record["boot"]), str(record["token"])
                elif "done" in record:
                    sessions = [s for s in sessions if s.sid != int(record["done"])]
                else:
                    sessions.append(Session(int(record["sid"]), int(record["start"]), str(record["mark"])))
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a kill
        return cls(path, owner, owner_start, boot, token, tuple(sessions))

    def live(self, procs: Sequence[Proc]) -> bool:
        """True while the codefit process that wrote this ledger still runs."""
        return self.boot == boot_id() and any(
            p.pid == self.owner and p.start == self.owner_start for p in procs
        )

    def strays(self, procs: Sequence[Proc]) -> list[Proc]:
        """The run's processes still alive after its codefit ended: those carrying its mark (a
        recorded pid alone may have been reused since)."""
        if not self.token or self.live(procs):
            return []
        return [p for p in procs if p.mark.partition(":")[0] == self.token]


def ledgers(workdir: Path) -> list[Ledger]:
    """Every run's ledger under `workdir` (one directory per run)."""
    found = (Ledger.read(p) for p in sorted(workdir.glob(f"*/{LEDGER_NAME}")))
    return [ledger for ledger in found if ledger is not None]


def kill_command(procs: Sequence[Proc]) -> str:
    return "kill -9 " + " ".join(str(p.pid) for p in procs)


# --- the reaper (its own process) -------------------------------------------------------------------


def reaper_main(stream: IO[bytes]) -> int:
    """Read `SID START MARK` (a launch) and `-SID` (one ended) lines until end of file, then kill
    what is left of the launches still open."""
    sessions: dict[int, Session] = {}
    for line in stream:
        with contextlib.suppress(ValueError):
            if line.startswith(b"-"):
                sessions.pop(int(line[1:]), None)
                continue
            sid, start, mark = line.decode().split()
            sessions[int(sid)] = Session(int(sid), int(start), mark)
    kill_sessions(list(sessions.values()), spare=os.getpid())
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # it must outlive a Ctrl-C that ends codefit
    sys.exit(reaper_main(sys.stdin.buffer))
