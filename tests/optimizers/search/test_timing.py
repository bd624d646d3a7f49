"""A candidate's deadline comes from the baseline's own durations, with a floor and a ceiling."""

from __future__ import annotations

from codefit.optimizers.search.evaluator import EvalStatus, Evaluation, Limits, TestRun
from codefit.optimizers.search.timing import (
    CPU_DEADLINE_FLOOR_S,
    CPU_FLOOR_S,
    FACTOR,
    FLOOR_S,
    HANG_S,
    bounded,
    hang_limits,
    reference_seconds,
)
from codefit.sensors.base import Outcome


def run(status: EvalStatus, seconds: float, tests: int) -> Evaluation:
    results = {f"t{i}": TestRun(nodeid=f"t{i}", outcome=Outcome.PASSED) for i in range(tests)}
    return Evaluation(status=status, results=results, duration_s=seconds)


def test_a_fast_suite_bounds_candidates_to_a_multiple_of_its_duration() -> None:
    limits = bounded(
        Limits(timeout_s=5.0, test_timeout_s=2.0), reference_seconds(run(EvalStatus.OK, 0.3, 4), None)
    )
    assert limits.timeout_s == FACTOR * 0.3
    assert limits.test_timeout_s == FACTOR * 0.3


def test_the_floor_and_the_configured_ceiling_hold() -> None:
    assert bounded(Limits(timeout_s=5.0), 0.001).timeout_s == FLOOR_S
    assert bounded(Limits(timeout_s=5.0), 100.0).timeout_s == 5.0
    assert bounded(Limits(timeout_s=5.0, test_timeout_s=0), 0.3).test_timeout_s == FACTOR * 0.3
    assert bounded(Limits(timeout_s=5.0), None).timeout_s == 5.0


def test_a_hanging_baseline_is_measured_by_its_passing_tests_scaled_to_the_whole_suite() -> None:
    hung = run(EvalStatus.TIMEOUT, 5.0, 4)
    passing = run(EvalStatus.OK, 0.03, 3)
    assert abs((reference_seconds(hung, passing) or 0) - 0.04) < 1e-9
    assert reference_seconds(hung, None) is None
    assert reference_seconds(hung, run(EvalStatus.TIMEOUT, 5.0, 3)) is None
    assert reference_seconds(run(EvalStatus.OK, 0.2, 4), None) == 0.2


def test_only_the_tests_own_time_is_scaled_not_the_fixed_cost_of_a_candidate() -> None:
    hung = run(EvalStatus.TIMEOUT, 5.0, 4)
    passing = run(EvalStatus.OK, 0.12, 2)
    empty = run(EvalStatus.OK, 0.1, 0)
    assert abs((reference_seconds(hung, passing, empty) or 0) - (0.1 + 0.02 * 2)) < 1e-9


def test_a_baseline_that_hung_runs_again_with_a_short_alarm_per_test() -> None:
    assert hang_limits(Limits(timeout_s=5.0, test_timeout_s=0)).test_timeout_s == HANG_S
    assert hang_limits(Limits(timeout_s=5.0, test_timeout_s=0.5)).test_timeout_s == 0.5
    assert hang_limits(Limits(timeout_s=5.0, test_timeout_s=30)).test_timeout_s == HANG_S


def test_each_test_may_spin_a_multiple_of_the_suites_own_time_with_a_floor() -> None:
    assert bounded(Limits(timeout_s=5.0), 0.1, 0.02).test_cpu_s == FACTOR * 0.02
    assert bounded(Limits(timeout_s=5.0), 0.1, 0.0001).test_cpu_s == CPU_FLOOR_S
    assert bounded(Limits(timeout_s=5.0), 100.0, 100.0).test_cpu_s == 5.0, "never above the deadline"
    assert bounded(Limits(timeout_s=5.0), 0.1).test_cpu_s == 0.0, "unknown: no CPU alarm"


def test_cpu_limits_follow_the_baselines_cpu_time_which_load_does_not_inflate() -> None:
    # On a loaded machine the wall-clock baseline is 10x its CPU time: the CPU limits stay tight.
    limits = bounded(Limits(timeout_s=5.0), 0.5, 0.4, cpu=(0.05, 0.001))
    assert limits.timeout_s == FACTOR * 0.5
    assert limits.cpu_s == CPU_DEADLINE_FLOOR_S and limits.test_cpu_s == CPU_FLOOR_S
    assert bounded(Limits(timeout_s=5.0), 0.5, 0.4, cpu=(0.2, 0.1)).test_cpu_s == FACTOR * 0.1
    assert bounded(Limits(timeout_s=5.0), 0.5, 0.4, cpu=(0.0, 0.0)).test_cpu_s == FACTOR * 0.4, "unmeasured"
