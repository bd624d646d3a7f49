"""The loss: sensors grouped into splits, with weights, gates, feedback levels and budgets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codefit.sensors.base import Reading, Sensor


class Split(StrEnum):
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


class FeedbackLevel(StrEnum):
    """How much of a blind split's reading the optimizer is told, coarsest first."""

    NONE = "none"
    VERDICT = "verdict"
    SCORE = "score"
    NAMES = "names"
    FULL = "full"


@dataclass(frozen=True)
class Spec:
    """The sensors of a run, grouped by split."""

    sensors: tuple[Sensor, ...]

    def split(self, split: Split) -> tuple[Sensor, ...]:
        return tuple(s for s in self.sensors if s.settings.split == split)

    @property
    def train(self) -> tuple[Sensor, ...]:
        return self.split(Split.TRAIN)

    @property
    def validation(self) -> tuple[Sensor, ...]:
        return self.split(Split.VALIDATION)

    @property
    def test(self) -> tuple[Sensor, ...]:
        return self.split(Split.TEST)

    def weights(self) -> dict[str, float]:
        return {s.settings.name: s.settings.weight for s in self.sensors}

    def gates(self) -> frozenset[str]:
        return frozenset(s.settings.name for s in self.sensors if s.settings.gate)

    def heldout_paths(self) -> list[Path]:
        """Held-out paths and sealed files: never in the workspace, never seen by the optimizer."""
        return [p for s in self.sensors for p in (s.settings.path, s.settings.sealed) if p is not None]


def loss(readings: Sequence[Reading], weights: dict[str, float]) -> float:
    """Weighted mean of (1 - score) over the readings; 0 is a perfect codebase."""
    total = sum(weights.get(r.sensor, 1.0) for r in readings)
    if total <= 0:
        return 0.0
    return sum(weights.get(r.sensor, 1.0) * (1.0 - r.score) for r in readings) / total


def mean_score(readings: Iterable[Reading], weights: dict[str, float]) -> float | None:
    """Weighted mean score, or None when there is nothing to average."""
    pairs = [(weights.get(r.sensor, 1.0), r.score) for r in readings]
    total = sum(w for w, _ in pairs)
    if not pairs or total <= 0:
        return None
    return sum(w * s for w, s in pairs) / total


def gates_pass(readings: Iterable[Reading], gates: frozenset[str]) -> bool:
    """True when every gated sensor among the readings passed."""
    return all(r.passed for r in readings if r.sensor in gates)
