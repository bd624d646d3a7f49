"""wait_exit: the exit status once the process ends, TimeoutExpired while it runs on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codefit.sensors.process import wait_exit


def test_returns_the_exit_status_of_a_process_that_ends() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time, sys; time.sleep(0.2); sys.exit(3)"])
    assert wait_exit(proc, 60) == 3
    assert proc.returncode == 3


def test_raises_timeout_expired_while_the_process_runs_on() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait_exit(proc, 0.3)
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_an_already_reaped_process_still_answers() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert wait_exit(proc, 5) == 0
