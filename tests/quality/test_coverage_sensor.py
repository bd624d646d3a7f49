"""The `coverage` sensor runs real pytest under coverage.py on a crafted project."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.coverage import CoverageOptions, CoverageSensor, coverage_reading, ranges
from tests.quality.trees import write_tree

PROJECT = {
    "src/calc/__init__.py": "",
    "src/calc/ops.py": (
        "def sign(x):\n"  # 1
        "    if x > 0:\n"  # 2
        "        return 1\n"  # 3
        "    if x < 0:\n"  # 4
        "        return -1\n"  # 5
        "    return 0\n"  # 6
        "\n"
        "\n"
        "def unused():\n"  # 9
        "    return 42\n"  # 10
    ),
    "tests/test_ops.py": "from calc.ops import sign\n\n\ndef test_positive():\n    assert sign(3) == 1\n",
    "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
}


def test_line_and_branch_coverage_of_a_crafted_module(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, PROJECT)
    sensor = CoverageSensor(SensorSettings(name="cov", kind="coverage"), CoverageOptions(fail_under=80))
    reading = sensor.read(tree, SensorContext(python=python))
    # ops.py: 2 defs, 2 ifs, 4 returns = 8 statements; __init__.py is empty
    assert reading.metrics["statements"] == 8
    assert reading.metrics["covered_lines"] == 4  # def sign, if x > 0, return 1, def unused
    assert reading.metrics["line_coverage"] == pytest.approx(4 / 8)
    assert reading.metrics["branches"] == 4
    assert reading.metrics["covered_branches"] == 1
    assert reading.score == pytest.approx(0.5)
    assert not reading.passed
    [finding] = reading.findings
    assert (finding.path, finding.line, finding.rule) == ("src/calc/ops.py", 4, "uncovered")
    assert finding.message == "4 lines that no test runs: 4-6, 10"
    assert not list(tree.glob(".coverage*"))


def test_ranges_compresses_consecutive_lines() -> None:
    assert ranges([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert ranges([5]) == "5"


def test_one_uncovered_line_is_singular(tmp_path: Path) -> None:
    figures = {
        "totals": {"num_statements": 2, "covered_lines": 1},
        "files": {str(tmp_path / "m.py"): {"missing_lines": [7]}},
    }
    settings = SensorSettings(name="cov", kind="coverage")
    [finding] = coverage_reading(settings, figures, tmp_path, 0.0, 0.0, "").findings
    assert (finding.path, finding.message) == ("m.py", "1 line that no test runs: 7")
