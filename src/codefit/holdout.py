"""Thresholdout (Dwork et al. 2015, "The reusable holdout"): rationing what a blind split reveals.

A query compares the train score with the holdout score. While they agree within a noisy
threshold, the answer is the *train* score, which tells the optimizer nothing new about the
holdout and costs no budget. Only when they differ by more than `threshold` + Laplace noise is
the holdout score revealed (plus noise) and one unit of budget spent.

Noise is drawn from a generator seeded by (seed, query index), so answers are reproducible and
a resumed run can continue at `start_index` with the same stream.
"""

from __future__ import annotations

import random
from typing import NamedTuple


class Answer(NamedTuple):
    score: float
    spent: bool


def laplace(rng: random.Random, scale: float) -> float:
    """A Laplace(0, scale) draw: the difference of two exponentials with mean `scale`."""
    if scale <= 0:
        return 0.0
    return rng.expovariate(1 / scale) - rng.expovariate(1 / scale)


class Thresholdout:
    def __init__(self, threshold: float, sigma: float, seed: int, *, start_index: int = 0) -> None:
        if threshold < 0 or sigma < 0:
            raise ValueError("threshold and sigma must be >= 0")
        self.threshold = threshold
        self.sigma = sigma
        self.seed = seed
        self.index = start_index

    def query(self, train_score: float, holdout_score: float) -> Answer:
        """The score to report for this query, and whether it spent holdout budget."""
        rng = random.Random(f"{self.seed}:{self.index}")
        self.index += 1
        # Threshold noise Lap(2 sigma) and comparison noise Lap(4 sigma), as in the paper's algorithm.
        noisy_threshold = self.threshold + laplace(rng, 2 * self.sigma)
        if abs(holdout_score - train_score) <= noisy_threshold + laplace(rng, 4 * self.sigma):
            return Answer(score=train_score, spent=False)
        return Answer(score=_clip(holdout_score + laplace(rng, self.sigma)), spent=True)

    __call__ = query


def _clip(score: float) -> float:
    return min(1.0, max(0.0, score))
