"""The fork server against real pytest sessions: containment, isolation, the subprocess fallback."""

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codefit.optimizers.search.evaluator import EvalStatus, ForkServer, Limits
from codefit.sensors.base import Outcome
from tests.conftest import MakeRepo

MODULE = """\
HISTORY = []


def add(a, b):
    HISTORY.append((a, b))
    return a - b
"""

TESTS = """\
import pytest
import calc
from calc import add


@pytest.mark.parametrize("a,b,total", [(1, 2, 3), (0, 0, 0)])
def test_add(a, b, total):
    assert add(a, b) == total


def test_history_starts_empty():
    calc.add(1, 1)
    assert calc.HISTORY == [(1, 1)]
"""

FIXED = MODULE.replace("a - b", "a + b")
ADD_ONE = "tests/test_calc.py::test_add[1-2-3]"
ADD_ZERO = "tests/test_calc.py::test_add[0-0-0]"
HISTORY = "tests/test_calc.py::test_history_starts_empty"


def patched(body: str) -> str:
    """The module with `add` replaced by a pathological body, then the correct sum."""
    return MODULE.replace("    return a - b", body + "\n    return a + b")


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    return make_repo({"calc.py": MODULE, "tests/test_calc.py": TESTS})


@pytest.fixture
def server(repo: Path) -> Iterator[ForkServer]:
    limits = Limits(timeout_s=3.0, test_timeout_s=1.0, memory_mb=256)
    with ForkServer(repo, sys.executable, {"PATH": "/usr/bin:/bin"}, ["tests"], limits=limits) as fs:
        yield fs


def test_collects_once_with_each_parametrized_case(server: ForkServer) -> None:
    assert server.collected.items == (ADD_ONE, ADD_ZERO, HISTORY)


def test_baseline_reports_outcomes_traces_and_per_case_coverage(server: ForkServer, repo: Path) -> None:
    baseline = server.run({}, None, coverage=True)
    assert baseline.status == EvalStatus.OK
    assert baseline.outcome(ADD_ONE) == Outcome.FAILED
    assert baseline.outcome(ADD_ZERO) == Outcome.PASSED
    calc = str(repo.resolve() / "calc.py")
    assert (str(repo.resolve() / "tests/test_calc.py"), 8) in baseline.results[ADD_ONE].trace
    assert baseline.coverage[ADD_ONE][calc] == (5, 6)
    assert baseline.coverage[ADD_ZERO][calc] == (5, 6)


def test_a_candidate_is_applied_in_the_child_only(server: ForkServer, repo: Path) -> None:
    fixed = server.run({repo / "calc.py": FIXED}, [ADD_ONE, ADD_ZERO])
    assert fixed.passes(ADD_ONE) and fixed.passes(ADD_ZERO)
    again = server.run({}, [ADD_ONE])
    assert again.outcome(ADD_ONE) == Outcome.FAILED  # the parent still has the original module
    assert (repo / "calc.py").read_text() == MODULE  # nothing written to disk


def test_module_state_a_test_mutates_is_fresh_for_each_candidate(server: ForkServer, repo: Path) -> None:
    for _ in range(3):
        result = server.run({repo / "calc.py": FIXED}, [ADD_ONE, HISTORY])
        assert result.outcome(HISTORY) == Outcome.FAILED  # ADD_ONE ran first in this child
        alone = server.run({repo / "calc.py": FIXED}, [HISTORY])
        assert alone.outcome(HISTORY) == Outcome.PASSED


def test_the_gate_skips_the_rest_when_no_gate_test_passes(server: ForkServer) -> None:
    result = server.run({}, [ADD_ONE, ADD_ZERO], gate=1)
    assert ADD_ZERO not in result.results


def test_a_candidate_that_does_not_compile_is_invalid(server: ForkServer, repo: Path) -> None:
    result = server.run({repo / "calc.py": "def add(:\n"}, None)
    assert result.status == EvalStatus.INVALID
    assert "SyntaxError" in result.error


PATHOLOGICAL = {
    "infinite loop": "    while True:\n        pass",
    "unbounded recursion": "    def down(n):\n        return down(n + 1)\n    down(0)",
    "unbounded memory": "    hog = []\n    while True:\n        hog.append(bytearray(50_000_000))",
    "os._exit": "    import os\n    os._exit(0)",
    "sys.exit": "    import sys\n    sys.exit(0)",
    "fork bomb": "    import os\n    while True:\n        os.fork()",
    "megabytes of output": "    for _ in range(2000):\n        print('x' * 10_000)\n    raise ValueError",
    "hang ignoring the test timeout": (
        "    import signal, time\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        time.sleep(0.1)"
    ),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_candidates_are_contained_and_the_server_goes_on(
    server: ForkServer, repo: Path, name: str
) -> None:
    bad = server.run({repo / "calc.py": patched(PATHOLOGICAL[name])}, [ADD_ONE])
    assert not bad.passes(ADD_ONE)
    good = server.run({repo / "calc.py": FIXED}, [ADD_ONE, ADD_ZERO])
    assert good.status == EvalStatus.OK
    assert good.passes(ADD_ONE) and good.passes(ADD_ZERO)


def test_the_subprocess_fallback_gives_the_same_outcomes(repo: Path) -> None:
    with ForkServer(repo, sys.executable, {"PATH": "/usr/bin:/bin"}, ["tests"], fork=False) as fallback:
        assert fallback.collected.items == (ADD_ONE, ADD_ZERO, HISTORY)
        baseline = fallback.run({}, [ADD_ONE, ADD_ZERO])
        fixed = fallback.run({repo / "calc.py": FIXED}, [ADD_ONE, ADD_ZERO])
    assert baseline.outcome(ADD_ONE) == Outcome.FAILED and baseline.passes(ADD_ZERO)
    assert fixed.passes(ADD_ONE) and fixed.passes(ADD_ZERO)


def test_a_candidate_may_start_a_few_processes(server: ForkServer, repo: Path) -> None:
    body = "    import subprocess, sys\n    subprocess.run([sys.executable, '-c', 'pass'], check=True)"
    result = server.run({repo / "calc.py": patched(body)}, [ADD_ONE, ADD_ZERO])
    assert result.passes(ADD_ONE) and result.passes(ADD_ZERO)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie waits only to be reaped
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal and /proc: Linux")
def test_a_candidate_dies_with_its_server(repo: Path, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    spin = (
        f"    import os\n    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "    while True:\n        pass"
    )
    limits = Limits(timeout_s=60.0, test_timeout_s=0, memory_mb=256)
    server = ForkServer(repo, sys.executable, {"PATH": "/usr/bin:/bin"}, ["tests"], limits=limits)
    server.start()
    try:
        assert server.submit(server.request({repo / "calc.py": patched(spin)}, [ADD_ONE]))
        for _ in range(600):  # the child starts within moments; this bounds a broken run
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert _alive(child)
    finally:
        server.close()  # kills the server only: the child has its own process group
    for _ in range(600):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)


def test_an_endless_loop_is_cut_by_its_cpu_time_alarm_not_the_candidate_deadline(repo: Path) -> None:
    # No wall-clock alarm per test and a long deadline: only the CPU-time alarm can end the loop.
    limits = Limits(timeout_s=60.0, test_timeout_s=0, test_cpu_s=0.05, memory_mb=256)
    with ForkServer(repo, sys.executable, {"PATH": "/usr/bin:/bin"}, ["tests"], limits=limits) as fs:
        looping = fs.run({repo / "calc.py": patched(PATHOLOGICAL["infinite loop"])}, [ADD_ONE, ADD_ZERO])
        assert looping.status == EvalStatus.OK, "every test reported: none waited for the deadline"
        assert looping.outcome(ADD_ONE) == Outcome.FAILED and looping.outcome(ADD_ZERO) == Outcome.FAILED
        sleeping = "    import time\n    time.sleep(0.3)"  # sleeps cost no CPU: not cut
        assert fs.run({repo / "calc.py": patched(sleeping)}, [ADD_ONE]).passes(ADD_ONE)


def test_a_loop_inside_c_code_is_ended_by_the_candidates_cpu_limit_not_the_deadline(repo: Path) -> None:
    # `sum(range(...))` runs in C: no Python-level alarm can interrupt it, the kernel's SIGPROF can.
    limits = Limits(timeout_s=60.0, test_timeout_s=0, cpu_s=0.3, memory_mb=256)
    with ForkServer(repo, sys.executable, {"PATH": "/usr/bin:/bin"}, ["tests"], limits=limits) as fs:
        spinning = fs.run({repo / "calc.py": patched("    sum(range(10**15))")}, [ADD_ONE])
        assert spinning.status == EvalStatus.CRASHED, "ended by its CPU limit, not timed out"
        assert not spinning.passes(ADD_ONE)
        good = fs.run({repo / "calc.py": FIXED}, [ADD_ONE, ADD_ZERO])
        assert good.status == EvalStatus.OK and good.passes(ADD_ONE) and good.passes(ADD_ZERO)


def test_a_finished_candidate_reports_its_cpu_time(server: ForkServer, repo: Path) -> None:
    # Work enough to register where the kernel counts CPU time in scheduler ticks (a few ms each):
    # a run of a few ms can read 0 there.
    spin = (
        "    import time\n    t = time.process_time()\n    while time.process_time() - t < 0.05:\n"
        + 8 * " "
        + "pass"
    )
    result = server.run({repo / "calc.py": patched(spin)}, None)
    assert result.status == EvalStatus.OK
    assert result.cpu_s >= 0.05
