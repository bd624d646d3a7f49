"""A run's processes: the parent-death signal, the reaper, leftovers of a finished launch, the ledger."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codefit.doctor import DoctorContext, Level, run_checks
from codefit.workspace import lifetime

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def alive(pid: int) -> bool:
    return lifetime.read_proc(pid) is not None  # a zombie is not alive


def gone_soon(pids: list[int], grace: float = 10.0) -> bool:
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def marked(mark: str) -> list[int]:
    return [p.pid for p in lifetime.all_procs() if p.mark.startswith(mark)]


def marked_soon(mark: str, grace: float = 5.0) -> list[int]:
    """`marked`, once a process shows its mark: a child caught in the middle of its exec shows no
    environment for a moment (seen once on a loaded CI machine)."""
    deadline = time.monotonic() + grace
    while not (found := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


@contextlib.contextmanager
def killing(pids: list[int]) -> Iterator[list[int]]:
    """Whatever a test leaves behind ends with it, pass or fail."""
    try:
        yield pids
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_a_child_dies_when_the_codefit_process_that_started_it_is_killed(tmp_path: Path) -> None:
    script = (
        "import os\nfrom codefit.workspace import lifetime\n"
        "p = lifetime.popen(['sleep', '300'])\nprint(p.pid, flush=True)\nos.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    child = int(done.stdout.split()[0])
    with killing([child]):
        assert gone_soon([child]), "the parent-death signal ends an orphan"


def test_the_reaper_ends_grandchildren_when_the_recording_ends(tmp_path: Path) -> None:
    with lifetime.recording(tmp_path / "run") as recorder:
        proc = lifetime.popen(["sh", "-c", "sleep 301 & sleep 302 & wait"])
        deadline = time.monotonic() + 10
        while len(marked(recorder.token)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = marked(recorder.token)
    with killing(pids):
        assert len(pids) == 3, "the shell and its two sleeps carry the run's mark"
        proc.wait()
        assert gone_soon(pids)


def test_a_finished_launch_leaves_nothing_behind(tmp_path: Path) -> None:
    with lifetime.recording(tmp_path / "run") as recorder:
        proc = lifetime.popen(["sh", "-c", "sleep 303 & echo started"], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline()
        proc.wait()
        left = marked_soon(recorder.token)
        with killing(left):
            assert left, "the shell's background sleep outlived it"
            lifetime.finished(proc)
            assert gone_soon(left)
        assert '"done"' in recorder.ledger.read_text()


def test_no_mark_and_no_reaper_outside_a_run() -> None:
    proc = lifetime.popen(
        [sys.executable, "-c", "import os; print(os.environ.get('CODEFIT_LIFETIME', ''))"],
        stdout=subprocess.PIPE,
    )
    out, _ = proc.communicate(timeout=60)
    assert out.strip() == b""


def test_doctor_lists_processes_of_an_ended_run_with_the_command_to_end_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    run = tmp_path / "work" / "20260101-000000-dead"
    run.mkdir(parents=True)
    token = "ab" * 16
    stray = subprocess.Popen(["sleep", "305"], env={**os.environ, lifetime.MARK_ENV: f"{token}:1"})
    with killing([stray.pid]):
        owner = json.dumps({"owner": 1, "start": 0, "boot": lifetime.boot_id(), "token": token}) + "\n"
        (run / lifetime.LEDGER_NAME).write_text(owner + '{"sid": 1, "start": 0, "mark": "x", "argv": "a"}\n')
        findings = run_checks(DoctorContext(repo=tmp_path), ["processes"])
        assert [f.level for f in findings] == [Level.WARN]
        assert "20260101-000000-dead" in findings[0].message and "sleep 305" in findings[0].message
        assert findings[0].fix == f"end them with `kill -9 {stray.pid}`"
        stray.kill()
        stray.wait()
        assert [f.level for f in run_checks(DoctorContext(repo=tmp_path), ["processes"])] == [Level.OK]


def test_a_live_runs_processes_are_not_strays(tmp_path: Path) -> None:
    with lifetime.recording(tmp_path / "run") as recorder:
        proc = lifetime.popen(["sleep", "306"])
        with killing([proc.pid]):
            ledger = lifetime.Ledger.read(recorder.ledger)
            assert ledger is not None and ledger.live(lifetime.all_procs())
            assert ledger.strays(lifetime.all_procs()) == []
            proc.kill()
            proc.wait()


def test_a_launch_recorded_after_it_ended_is_found_by_its_mark_only() -> None:
    reused = lifetime.Proc(pid=9, pgid=5, sid=5, start=100, argv="someone else's", mark="")
    ours = lifetime.Proc(pid=10, pgid=10, sid=10, start=100, argv="daemon", mark="t:1")
    assert lifetime.Session(5, 0, "t:1").members([reused, ours]) == [ours]
    assert lifetime.Session(5, 50, "t:1").members([reused, ours]) == [reused, ours]
