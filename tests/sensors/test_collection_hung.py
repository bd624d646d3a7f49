"""A pytest run that timed out before collecting anything says the collection hung (issue 12, item 8)."""

from __future__ import annotations

from codefit.sensors.base import SensorSettings
from codefit.sensors.process import Completed
from codefit.sensors.pytest_sensor import build_reading
from codefit.spec import Split


def _completed(*, timed_out: bool) -> Completed:
    return Completed(
        returncode=None if timed_out else 2, stdout="", stderr="", duration_s=5.2, timed_out=timed_out
    )


def test_a_timeout_before_collection_reads_as_hung_collection() -> None:
    reading = build_reading(
        SensorSettings(name="unit", kind="pytest", split=Split.TRAIN), [], _completed(timed_out=True)
    )
    assert reading.error is not None and reading.error.startswith("collection hung")
    assert "5s" in reading.error and "did not start" not in reading.error


def test_a_timeout_after_collection_is_a_timeout_and_an_exit_without_output_did_not_start() -> None:
    collected = [{"event": "collected", "nodeids": ["t.py::a"], "errors": []}]
    settings = SensorSettings(name="unit", kind="pytest", split=Split.TRAIN)
    assert build_reading(settings, collected, _completed(timed_out=True)).error == "pytest timed out"
    assert build_reading(settings, [], _completed(timed_out=False)).error == "pytest did not start"
