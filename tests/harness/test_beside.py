"""The guards run beside the train sensors: both at once, and an error of either is not lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from codefit.harness.beside import beside
from codefit.sensors.process import Completed, run_bounded


def test_both_run_at_once() -> None:
    first_in, second_in = threading.Event(), threading.Event()

    def first() -> bool:
        first_in.set()
        return second_in.wait(30)  # in turn, this would wait for a second that never started

    def second() -> bool:
        second_in.set()
        return first_in.wait(30)

    assert beside(first, second) == (True, True)


def test_an_error_of_the_second_is_raised_after_the_first_ends() -> None:
    finished = []

    def first() -> int:
        finished.append("first")
        return 1

    def second() -> int:
        raise ValueError("a guard's bug")

    with pytest.raises(ValueError, match="a guard's bug"):
        beside(first, second)
    assert finished == ["first"]


def test_an_error_of_the_first_waits_for_the_second() -> None:
    done = threading.Event()

    def first() -> int:
        raise OSError("sensor")

    def second() -> int:
        done.set()
        return 2

    with pytest.raises(OSError, match="sensor"):
        beside(first, second)
    assert done.is_set()


def test_ctrl_c_in_the_first_ends_the_process_the_second_waits_on(tmp_path: Path) -> None:
    """A guard's confined probe (a process of its own session, out of the terminal's reach) is
    ended, so that a Ctrl-C during a step does not wait for it."""
    started = threading.Event()
    ended: list[Completed] = []

    def second() -> None:
        started.set()
        ended.append(
            run_bounded(["sleep", "600"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout_s=900)
        )

    def first() -> None:
        assert started.wait(30)
        time.sleep(0.2)  # the sleep has started
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        beside(first, second)
    assert ended and ended[0].returncode == -9  # killed, not waited for to its end


def test_an_error_other_than_ctrl_c_leaves_the_seconds_process_be(tmp_path: Path) -> None:
    started = threading.Event()
    ended: list[Completed] = []

    def second() -> None:
        started.set()
        ended.append(run_bounded(["sleep", "0.5"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout_s=60))

    def first() -> None:
        assert started.wait(30)
        raise OSError("a sensor's error")

    with pytest.raises(OSError, match="a sensor's error"):
        beside(first, second)
    assert ended and ended[0].returncode == 0  # it ran to its end
