"""The guards run beside the train sensors: both at once, and an error of either is not lost."""

from __future__ import annotations

import threading

import pytest

from codefit.harness.beside import beside


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
