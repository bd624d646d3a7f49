"""Parsing from two threads at once: a step's guards parse beside the train sensors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# Two threads parse one source over and over; a garbage-collector pass (frequent here) hands the
# GIL to the other thread in the middle of building a tree, which is where CPython 3.11 breaks.
RACE = textwrap.dedent(
    """
    import ast, gc, sys, threading, time
    from codefit import pysource

    gc.callbacks.append(lambda phase, info: time.sleep(0))
    gc.set_threshold(50, 1, 1)
    sys.setswitchinterval(1e-6)
    source = "x = " + "(" * 40 + "1" + ")" * 40 + "\\n" + "def f(a):\\n    return [a for a in a]\\n" * 200
    parse = {"raw": ast.parse, "codefit": pysource.parse}[sys.argv[1]]
    errors = []

    def work():
        try:
            for _ in range(30):
                parse(source)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(errors)
    """
)


def _race(parse: str) -> str:
    done = subprocess.run([sys.executable, "-c", RACE, parse], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="the race is CPython 3.11/3.12's")
def test_the_race_breaks_a_bare_parse() -> None:
    # The control: without it the next test could pass on a race that never happened.
    assert "recursion depth mismatch" in _race("raw")


def test_codefit_parses_from_two_threads_without_error() -> None:
    assert _race("codefit") == "[]"
