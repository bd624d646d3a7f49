"""Keras-style callbacks: hooks that see a flat `logs` dict and may stop the run."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any


class RunControl:
    """What a callback may ask of the loop: stop, and which step to restore at the end."""

    def __init__(self) -> None:
        self.stop_training = False
        self.stop_reason = ""
        self.restore_step: int | None = None

    def stop(self, reason: str) -> None:
        self.stop_training = True
        self.stop_reason = self.stop_reason or reason


class Callback:
    """Override the hooks you need. `self.run` is set before `on_run_begin`."""

    run: RunControl

    def set_run(self, run: RunControl) -> None:
        self.run = run

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        """Called once, after the baseline (step 0) was measured."""

    def on_run_end(self, logs: Mapping[str, Any]) -> None:
        """Called once with the final evaluation's logs."""

    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        """Called before the optimizer's step; logs are the previous step's."""

    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        """Called after the step was measured and recorded."""


class CallbackList(Callback):
    def __init__(self, callbacks: Sequence[Callback], run: RunControl) -> None:
        self.callbacks = list(callbacks)
        self.set_run(run)
        for cb in self.callbacks:
            cb.set_run(run)

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_run_begin(logs)

    def on_run_end(self, logs: Mapping[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_run_end(logs)

    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_step_begin(step, logs)

    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_step_end(step, logs)

    def budget_left(self, logs: Mapping[str, Any]) -> tuple[float | None, float | None]:
        """(seconds, dollars) left before the tightest Budget stops the run; None where unlimited."""
        left = [cb.left(logs) for cb in self.callbacks if isinstance(cb, Budget)]
        seconds = [s for s, _ in left if s is not None]
        dollars = [d for _, d in left if d is not None]
        return (min(seconds) if seconds else None, min(dollars) if dollars else None)


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` steps; optionally restore the best step.

    `mode="auto"` minimises names containing "loss" or "gap" and maximises everything else.
    """

    def __init__(
        self,
        monitor: str = "loss",
        patience: int = 3,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best: bool = True,
    ) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping mode must be auto, min or max, not {mode!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(min_delta)
        self.minimise = mode == "min" or (mode == "auto" and ("loss" in monitor or "gap" in monitor))
        self.restore_best = restore_best
        self.best = math.inf if self.minimise else -math.inf
        self.best_step: int | None = None
        self.wait = 0

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self._observe(0, logs)

    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        if not self._observe(step, logs):
            self.wait += 1
        if self.wait >= self.patience:
            if self.restore_best and self.best_step is not None:
                self.run.restore_step = self.best_step
            self.run.stop(f"early stopping: {self.monitor} did not improve for {self.patience} steps")

    def _observe(self, step: int, logs: Mapping[str, Any]) -> bool:
        value = logs.get(self.monitor)
        if not isinstance(value, int | float):
            return False
        improved = value < self.best - self.min_delta if self.minimise else value > self.best + self.min_delta
        if improved:
            self.best, self.best_step, self.wait = float(value), step, 0
        return improved


class Budget(Callback):
    """Stop when the run's wall time or cost passes a limit."""

    def __init__(self, max_seconds: float | None = None, max_cost_usd: float | None = None) -> None:
        self.max_seconds = max_seconds
        self.max_cost_usd = max_cost_usd
        self.started = time.monotonic()

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        self.started = time.monotonic()

    def on_step_end(self, step: int, logs: Mapping[str, Any]) -> None:
        seconds, dollars = self.left(logs)
        if seconds is not None and seconds <= 0:
            self.run.stop(f"wall-time budget of {self.max_seconds:g}s spent")
        if dollars is not None and dollars <= 0:
            self.run.stop(f"cost budget of ${self.max_cost_usd:g} spent")

    def left(self, logs: Mapping[str, Any]) -> tuple[float | None, float | None]:
        """(seconds, dollars) left of this budget, given the latest step's logs."""
        seconds = None if self.max_seconds is None else self.max_seconds - (time.monotonic() - self.started)
        cost = float(logs.get("cost_usd_total") or 0.0)
        dollars = None if self.max_cost_usd is None else self.max_cost_usd - cost
        return seconds, dollars
