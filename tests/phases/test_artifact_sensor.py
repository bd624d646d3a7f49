import sys
from pathlib import Path

from codefit.phases.artifact_sensor import ArtifactOptions, ArtifactSensor
from codefit.sensors.base import SensorContext, SensorSettings

CHECK = "test \"$(grep -c '^- ' {artifact})\" -ge 2"


def read(tree: Path, check: str | None = CHECK) -> tuple[bool, str]:
    sensor = ArtifactSensor(
        SensorSettings(name="plan", kind="artifact"), ArtifactOptions(artifact="PLAN.md", check=check)
    )
    reading = sensor.read(tree, SensorContext(python=sys.executable))
    return reading.passed, "\n".join(f.message for f in reading.findings)


def test_missing_then_failing_check_then_passing(tmp_path: Path) -> None:
    assert read(tmp_path) == (False, "PLAN.md was not written (or is empty)")
    (tmp_path / "PLAN.md").write_text("# Plan\n- one\n")
    passed, message = read(tmp_path)
    assert not passed and message.startswith("the check on PLAN.md exited with status 1")
    (tmp_path / "PLAN.md").write_text("# Plan\n- one\n- two\n")
    assert read(tmp_path) == (True, "")


def test_without_a_check_the_file_is_enough(tmp_path: Path) -> None:
    (tmp_path / "PLAN.md").write_text("anything")
    assert read(tmp_path, check=None) == (True, "")
