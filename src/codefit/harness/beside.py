"""Two pieces of a step's work at once: the guards read the change while the train sensors run.

The guards read the step's diff, the work tree and the optimizer's transcript; the sensors read an
export of the checkpoint in the workspace's git directory (`workspace.measure`), and no guard reads
a sensor's readings. A step's guards (a few hundred milliseconds on a large module, Python in this
process) so cost no wall time beside a test run (a subprocess) of that length.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from codefit.workspace.lifetime import ending_launches_on_ctrl_c

A = TypeVar("A")
B = TypeVar("B")


def beside(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """`first()` here and `second()` in a thread, at once; either's error is raised (after both end)."""
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="codefit-beside") as pool,
        ending_launches_on_ctrl_c(),  # a Ctrl-C here must not wait for the thread's processes
    ):
        later = pool.submit(second)
        done = first()
        return done, later.result()
