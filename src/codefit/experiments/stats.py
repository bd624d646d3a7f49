"""Comparing settings over tasks: means with 95 % intervals from a paired bootstrap over tasks.

Tasks are the unit of resampling (repeats of a task are averaged first), and every setting is
resampled with the same task draws, so differences between settings are paired."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RESAMPLES = 2000


@dataclass(frozen=True)
class Interval:
    mean: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high}


def draws(tasks: Sequence[str], seed: int = 0, resamples: int = RESAMPLES) -> list[list[str]]:
    """The bootstrap's task draws, shared by every setting (that is what makes it paired)."""
    rng = random.Random(seed)
    return [[rng.choice(tasks) for _ in tasks] for _ in range(resamples)] if tasks else []


def interval(per_task: Mapping[str, float], samples: list[list[str]]) -> Interval | None:
    tasks = [t for t in per_task]
    if not tasks:
        return None
    mean = sum(per_task.values()) / len(tasks)
    stats = sorted(
        sum(per_task[t] for t in draw) / len(draw)
        for draw in ([t for t in d if t in per_task] for d in samples)
        if draw
    )
    return Interval(mean, *_percentiles(stats, mean))


def paired_difference(
    a: Mapping[str, float], b: Mapping[str, float], samples: list[list[str]]
) -> Interval | None:
    """Mean of a - b over the tasks both have, with its paired-bootstrap interval."""
    common = [t for t in a if t in b]
    if not common:
        return None
    diff = {t: a[t] - b[t] for t in common}
    return interval(diff, samples)


def _percentiles(stats: list[float], mean: float) -> tuple[float, float]:
    if not stats:
        return mean, mean
    low = stats[int(0.025 * (len(stats) - 1))]
    high = stats[round(0.975 * (len(stats) - 1))]
    return low, high
