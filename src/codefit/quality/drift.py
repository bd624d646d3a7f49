"""Drift over a run: per-step deltas of quality figures, and alerts when they keep rising.

SlopCodeBench saw erosion rise in ~80% and verbosity in ~90% of agent trajectories while human
repositories stay flat; a metric that rises several steps in a row is that slope, caught early.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from codefit.guards.base import Alert, Severity

GUARD = "quality-drift"
DRIFT_METRICS = ("erosion", "verbosity")
DELTA_METRICS = ("erosion", "verbosity", "concentration", "duplication", "dead_code")
DRIFT_RISES = 3  # the default window: rises in a row before a drift alert


def deltas(
    previous: Mapping[str, float] | None, current: Mapping[str, float], metrics: Iterable[str] = DELTA_METRICS
) -> dict[str, float]:
    """`<metric>_delta` for each metric present in both steps' logs (none on the first step)."""
    if previous is None:
        return {}
    return {f"{m}_delta": current[m] - previous[m] for m in metrics if m in current and m in previous}


def rising_streak(values: Sequence[float]) -> int:
    """How many consecutive strict rises end the sequence."""
    streak = 0
    for before, after in zip(reversed(values[:-1]), reversed(values), strict=False):
        if after <= before:
            break
        streak += 1
    return streak


def drift_alerts(
    history: Sequence[Mapping[str, float]], metrics: Sequence[str] = DRIFT_METRICS, rises: int = DRIFT_RISES
) -> list[Alert]:
    """One warning per metric that rose in each of the last `rises` steps that recorded it.

    `history` is the step logs so far, oldest first; steps without the metric are skipped.
    The alert repeats on later steps while the rise goes on, with the streak's length.
    """
    alerts = []
    for metric in metrics:
        values = [float(step[metric]) for step in history if metric in step]
        streak = rising_streak(values)
        if streak >= rises:
            start = values[-streak - 1]
            alerts.append(
                Alert(
                    guard=GUARD,
                    kind=f"{metric}-drift",
                    severity=Severity.WARN,
                    message=(
                        f"{metric} rose {streak} steps in a row: {start:.3f} -> {values[-1]:.3f} "
                        f"(+{values[-1] - start:.3f})"
                    ),
                )
            )
    return alerts
