"""Drift alerts and per-step deltas of quality figures."""

from __future__ import annotations

import pytest

from codefit.guards.base import Severity
from codefit.quality.drift import deltas, drift_alerts, rising_streak


def test_rising_streak_counts_strict_rises_at_the_end() -> None:
    assert rising_streak([0.1, 0.2, 0.3, 0.4]) == 3
    assert rising_streak([0.1, 0.2, 0.2, 0.3]) == 1
    assert rising_streak([0.4, 0.3]) == 0
    assert rising_streak([]) == 0


def test_three_rises_in_a_row_raise_one_warning_per_metric() -> None:
    history = [
        {"erosion": 0.10, "verbosity": 0.05},
        {"erosion": 0.20, "verbosity": 0.04},
        {"erosion": 0.25, "verbosity": 0.06},
        {"erosion": 0.40, "verbosity": 0.07},
    ]
    [alert] = drift_alerts(history)
    assert (alert.kind, alert.severity, alert.guard) == ("erosion-drift", Severity.WARN, "quality-drift")
    assert alert.message == "erosion rose 3 steps in a row: 0.100 -> 0.400 (+0.300)"


def test_two_rises_are_not_drift_and_steps_without_the_metric_are_skipped() -> None:
    assert drift_alerts([{"erosion": 0.1}, {"erosion": 0.2}, {"erosion": 0.3}]) == []
    history = [{"erosion": 0.1}, {"loss": 1.0}, {"erosion": 0.2}, {"erosion": 0.3}, {"erosion": 0.4}]
    assert [a.kind for a in drift_alerts(history)] == ["erosion-drift"]


def test_custom_metrics_and_streak_length() -> None:
    history = [{"complexity_max": c} for c in (3.0, 4.0, 9.0)]
    assert [a.kind for a in drift_alerts(history, metrics=("complexity_max",), rises=2)] == [
        "complexity_max-drift"
    ]


def test_deltas_against_the_previous_step() -> None:
    assert deltas(None, {"erosion": 0.2}) == {}
    got = deltas({"erosion": 0.2, "verbosity": 0.1}, {"erosion": 0.5, "verbosity": 0.1})
    assert got == pytest.approx({"erosion_delta": 0.3, "verbosity_delta": 0.0})


def test_deltas_cover_concentration_duplication_and_dead_code() -> None:
    before = {"erosion": 0.1, "concentration": 0.2, "duplication": 0.0, "dead_code": 2.0, "sloc": 10.0}
    after = {"erosion": 0.1, "concentration": 0.5, "duplication": 0.25, "dead_code": 5.0, "sloc": 12.0}
    assert deltas(before, after) == pytest.approx(
        {"erosion_delta": 0.0, "concentration_delta": 0.3, "duplication_delta": 0.25, "dead_code_delta": 3.0}
    )
