"""`codefit evaluate`: another config file, the quality metrics, and why a reading errored."""

from __future__ import annotations

import sys

from typer.testing import CliRunner

from codefit.cli import app
from tests.conftest import MakeRepo

runner = CliRunner()

CONFIG = f"""
task = "t"
python = "{sys.executable}"

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[[sensors]]
name = "quality"
kind = "quality"
gate = false

[optimizer]
kind = "command"
command = "true"
"""


def test_evaluate_takes_a_config_file_and_shows_metrics_and_the_cause_of_an_error(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(
        {
            "calc.py": "def add(a, b):\n    return a + b\n",
            "tests/conftest.py": "from nowhere import helper\n",
            "tests/test_calc.py": "def test_add():\n    assert True\n",
            "configs/other.toml": CONFIG,
        }
    )
    result = runner.invoke(app, ["evaluate", str(repo), "--config", str(repo / "configs" / "other.toml")])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("unit (train): FAIL") for line in lines), result.output
    assert "  error: pytest did not start" in lines
    assert "  cause: ModuleNotFoundError: No module named 'nowhere'" in lines
    metrics = next(line for line in lines if line.startswith("  metrics:"))
    assert "erosion 0.00" in metrics and "dead_code" in metrics
