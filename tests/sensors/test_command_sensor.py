from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.command import CommandOptions, CommandSensor


def read(tmp_path: Path, command: str, timeout: float = 30.0) -> Reading:
    sensor = CommandSensor(
        SensorSettings(name="lint", kind="command"), CommandOptions(command=command, timeout=timeout)
    )
    return sensor.read(tmp_path, SensorContext(python=sys.executable))


def test_exit_code_decides_and_output_is_kept(tmp_path: Path) -> None:
    ok = read(tmp_path, "echo fine")
    bad = read(tmp_path, "echo broken >&2; exit 3")
    assert ok.passed and ok.score == 1.0 and "fine" in ok.output
    assert not bad.passed and bad.score == 0.0 and "broken" in bad.output
    assert bad.metrics["exit_code"] == 3.0


def test_output_is_bounded(tmp_path: Path) -> None:
    reading = read(tmp_path, "yes x | head -c 200000")
    assert len(reading.output) < 25_000
    assert "characters cut" in reading.output


def test_hang_is_killed(tmp_path: Path) -> None:
    reading = read(tmp_path, "sleep 30", timeout=0.5)
    assert not reading.passed
    assert "timed out" in (reading.error or "")
