"""Python work in a forked child: its value comes back, its failure is told, it never outlives the block."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from codefit.gate.forked import Forked, ForkedError


def alone(test: Callable[..., None]) -> Callable[..., None]:
    """The test run in a process of its own, forked from the worker's one thread: `Forked` works in
    the caller when another thread runs, and a test worker may hold threads an earlier test left."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                test(*args, **kwargs)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, f"{test.__name__} failed in its process (above)"

    return run


@alone
def test_the_value_is_computed_in_another_process() -> None:
    assert threading.active_count() == 1
    with Forked(lambda: (os.getpid(), {"erosion": (0.5, 0.25)})) as child:
        pid, figures = child.result()
    assert pid != os.getpid()
    assert figures == {"erosion": (0.5, 0.25)}


def test_with_another_thread_running_it_runs_in_the_caller() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with Forked(os.getpid) as child:
            assert child.result() == os.getpid()
    finally:
        stop.set()
        other.join()


def fails() -> None:
    raise ValueError("no figures")


@alone
def test_a_failure_in_the_child_is_raised_with_its_message() -> None:
    with Forked(fails) as child, pytest.raises(ForkedError, match="ValueError: no figures"):
        child.result()


@alone
def test_a_child_that_dies_without_answering_is_an_error() -> None:
    assert threading.active_count() == 1  # else the caller itself would run it, and exit
    with Forked(lambda: os._exit(3)) as child, pytest.raises(ForkedError, match="answered nothing"):
        child.result()


@alone
def test_a_child_whose_result_is_not_taken_is_ended_with_the_block(tmp_path: Path) -> None:
    marker = tmp_path / "pid"

    def linger() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(600)

    with Forked(linger):
        for _ in range(1000):  # until the child is surely running
            if marker.exists() and marker.read_text():
                break
            time.sleep(0.01)
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped: not even a zombie is left


@alone
def test_a_child_left_unanswered_is_told_to_stop_and_cleans_up_first(tmp_path: Path) -> None:
    """The child's `finally` runs (a confined process it started is ended there, a temporary folder
    removed), and a second stop signal (the terminal's Ctrl-C beside the parent's) does not cut it."""
    started, cleaned = tmp_path / "started", tmp_path / "cleaned"

    def work_then_clean() -> None:
        try:
            started.write_text(str(os.getpid()))
            time.sleep(600)
        finally:
            os.kill(os.getpid(), signal.SIGINT)  # as a terminal's Ctrl-C reaching it meanwhile
            cleaned.write_text("yes")

    with Forked(work_then_clean):
        wait_for(started)
    assert cleaned.read_text() == "yes"
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)


@alone
def test_a_caller_interrupted_while_it_waits_for_the_result_ends_the_child(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def linger() -> None:
        started.write_text(str(os.getpid()))
        time.sleep(600)

    def interrupt_when_started(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt_when_started)
    try:
        with pytest.raises(KeyboardInterrupt), Forked(linger) as child:
            wait_for(started)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            child.result()  # interrupted in its wait
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)


def wait_for(marker: Path) -> None:
    for _ in range(1000):  # until the child is surely running
        if marker.exists() and marker.read_text():
            return
        time.sleep(0.01)
    raise AssertionError("the child never started")


@alone
def test_two_stop_signals_at_once_end_the_child_without_a_word_on_standard_error(tmp_path: Path) -> None:
    """A Ctrl-C reaches the child beside its parent's SIGTERM: both pending when the first stops it.
    Were the second ignored by then (SIG_IGN), Python would print "Signal 15 ignored due to race
    condition" on the terminal."""
    started, sent, stderr = tmp_path / "started", tmp_path / "sent", tmp_path / "stderr"

    def both_at_once() -> None:
        # As outside pytest (which captures standard error and collects what is unraisable).
        sys.unraisablehook = sys.__unraisablehook__
        sys.stderr = stderr.open("w", buffering=1)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        started.write_text(str(os.getpid()))
        wait_for(sent)
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # both arrive now
            time.sleep(600)
        finally:  # its cleanup waits (the sandboxed processes it started to end): signals are looked at
            signal.signal(signal.SIGALRM, lambda *_: None)
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            time.sleep(0.1)

    with pytest.raises(ForkedError), Forked(both_at_once) as child:
        wait_for(started)
        pid = int(started.read_text())
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
        sent.write_text("yes")
        child.result()
    assert stderr.read_text() == "", stderr.read_text()
