"""Per-test timeout: from the baseline unless configured. Held-out sensors keep their own path."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import TIMEOUT_FLOOR_S, TIMEOUT_MULTIPLE, PytestOptions, PytestSensor
from codefit.spec import Split

SLOWISH = "import time\n\ndef test_slowish():\n    time.sleep(0.3)\n\ndef test_quick():\n    pass\n"


def unit(**options: object) -> PytestSensor:
    return PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions.model_validate(options))


def test_no_per_test_limit_until_the_baseline_then_a_multiple_of_its_slowest_test(tmp_path: Path) -> None:
    (tmp_path / "test_s.py").write_text(SLOWISH)
    sensor = unit()
    assert sensor.test_timeout_s() == 0.0  # the baseline runs as the user's own run would: unbounded per test
    reading = sensor.read(tmp_path, SensorContext(python=sys.executable))
    assert reading.passed
    slowest = max(t.duration_s for t in reading.tests)
    assert sensor.test_timeout_s() == max(TIMEOUT_FLOOR_S, TIMEOUT_MULTIPLE * slowest)
    assert sensor.test_timeout_s() >= TIMEOUT_MULTIPLE * slowest > slowest


def test_a_configured_test_timeout_is_a_hard_limit_from_the_first_run(tmp_path: Path) -> None:
    (tmp_path / "test_s.py").write_text(SLOWISH)
    sensor = unit(test_timeout=0.1)
    reading = sensor.read(tmp_path, SensorContext(python=sys.executable))
    assert not reading.passed and "per-test timeout" in reading.failing_tests()[0].message
    assert sensor.test_timeout_s() == 0.1


def test_a_heldout_sensor_with_args_still_runs_its_own_heldout_path() -> None:
    settings = SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION, path=Path("/x"))
    sensor = PytestSensor(settings, PytestOptions(args=["-o", "pythonpath=src"]))
    assert sensor.args() == ["-o", "pythonpath=src", ".codefit-heldout/holdout"]
    named = PytestSensor(settings, PytestOptions(args=[".codefit-heldout/holdout/test_a.py", "-x"]))
    assert named.args() == [".codefit-heldout/holdout/test_a.py", "-x"]
