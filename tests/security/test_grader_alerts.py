"""A tampered reading becomes a block alert, and the run's summary carries the grader's integrity."""

from __future__ import annotations

from codefit.guards.base import Severity
from codefit.harness.guarding import tampered_alerts
from codefit.harness.selection import grader_integrity
from codefit.sensors.base import Finding, Reading
from codefit.spec import Split


def reading(findings: tuple[Finding, ...] = (), **metrics: float) -> Reading:
    return Reading(
        sensor="holdout", split=Split.VALIDATION, score=0.0, passed=False, findings=findings, metrics=metrics
    )


def test_a_tampered_reading_is_a_block_alert_naming_its_evidence() -> None:
    evidence = Finding(message="impossible twins passed: t.py::test_a", rule="tampered", severity="error")
    (alert,) = tampered_alerts([reading((evidence,)), reading((Finding(message="x", rule="failed"),))])
    assert alert.severity == Severity.BLOCK and alert.kind == "tampered_run"
    assert "validation sensor 'holdout'" in alert.message and "t.py::test_a" in alert.message


def test_grader_integrity_is_the_share_of_twins_that_failed() -> None:
    assert grader_integrity([reading(twins=4, twins_passed=1), reading(twins=4, twins_passed=0)]) == 7 / 8
    assert grader_integrity([reading()]) is None
