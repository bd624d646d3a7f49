"""Per-candidate time bounded by the baseline's own test durations.

A candidate that loops forever should cost what the suite costs plus a margin, not the configured
ceiling: its deadline is a small multiple of the time the untouched tree's tests took in the same
fork server, with a floor (forking, re-executing the patched modules and a loaded machine cost
something), and never above `candidate_timeout`. Each test also gets a CPU-time alarm, a multiple of
the whole suite's own test time with a smaller floor: a loop that never ends is cut after spinning
that long (CPU time, so a busy machine does not cut an honest test), not at the candidate's deadline;
and the whole candidate a CPU-time limit at the deadline's scale, enforced by the kernel (a loop in C
code ends too), which leaves the wall-clock deadline a generous backstop for sleeps.
"""

from __future__ import annotations

from codefit.optimizers.search.evaluator import EvalStatus, Evaluation, Limits

FACTOR = 5.0  # a candidate may take this many times the baseline's run
# and at least this long (a fork, the patched modules re-run, a busy machine stretching them: it was
# 0.25 s); endless loops are cut by the CPU limits long before, whatever the load
FLOOR_S = 1.0
HANG_S = 0.5  # the per-test alarm of a baseline run again after it hung
CPU_FLOOR_S = 0.02  # user CPU seconds any one test may spin at least (tests of tiny functions take <1 ms)
CPU_DEADLINE_FLOOR_S = 0.25  # CPU seconds a whole candidate may use at least (then the kernel ends it)


def hang_limits(limits: Limits) -> Limits:
    """Limits under which a baseline that hung runs again: every test its own short alarm."""
    per_test = min(limits.test_timeout_s, HANG_S) if limits.test_timeout_s > 0 else HANG_S
    return limits.model_copy(update={"test_timeout_s": per_test})


def reference_seconds(
    plain: Evaluation, passing_only: Evaluation | None, empty: Evaluation | None = None
) -> float | None:
    """How long the untouched tests take: the passing tests' run scaled to the whole suite when there
    is one (a failing test may hang until its alarm), else the plain run's when it ended.

    `empty` (a run of no test) is the fixed cost of a candidate (fork, patched modules, replies):
    only the tests' own time is scaled, so a suite of tiny tests is not charged the overhead once
    per test."""
    if passing_only is not None and passing_only.status == EvalStatus.OK and passing_only.duration_s > 0:
        total = max(len(plain.results), len(passing_only.results), 1)
        overhead = empty.duration_s if empty is not None and empty.status == EvalStatus.OK else 0.0
        overhead = min(overhead, passing_only.duration_s)
        scale = total / max(len(passing_only.results), 1)
        return overhead + (passing_only.duration_s - overhead) * scale
    if plain.status == EvalStatus.OK and plain.duration_s > 0:
        return plain.duration_s
    return None


def bounded(
    limits: Limits,
    reference_s: float | None,
    tests_s: float | None = None,
    cpu: tuple[float, float] | None = None,
) -> Limits:
    """The limits with the candidate deadline (and the per-test one) cut to the baseline's scale;
    with `tests_s` (the suite's own test time, fixed costs left out: no one test takes longer), each
    test's CPU time too. `cpu` is the same pair (reference, tests) in CPU seconds, which a busy machine
    does not inflate: when given, the CPU limits are cut to it rather than to the wall-clock times."""
    if reference_s is None:
        return limits
    timeout = min(limits.timeout_s, max(FLOOR_S, FACTOR * reference_s))
    per_test = min(limits.test_timeout_s, timeout) if limits.test_timeout_s > 0 else timeout
    whole, own = cpu if cpu is not None and cpu[0] > 0 else (reference_s, tests_s)
    test_cpu = 0.0 if own is None else min(timeout, max(CPU_FLOOR_S, FACTOR * own))
    cpu_s = min(timeout, max(CPU_DEADLINE_FLOOR_S, FACTOR * whole))
    return limits.model_copy(
        update={"timeout_s": timeout, "test_timeout_s": per_test, "test_cpu_s": test_cpu, "cpu_s": cpu_s}
    )
