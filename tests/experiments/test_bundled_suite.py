"""The bundled suite is sweepable: no task's base code holds a trial for the whole session limit."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.config import load_config
from codefit.experiments.suite import load_suite, prepare_task
from codefit.sensors.base import SensorContext

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_bit_count_s_endless_loop_fails_its_test_by_the_per_test_limit(tmp_path: Path) -> None:
    repo = prepare_task(load_suite(EXAMPLES).task("bit_count"), tmp_path / "task")
    (unit,) = load_config(repo).build_spec().train
    # The session limit is lowered so that, without a per-test limit, this fails in 2 minutes, not 10.
    reading = unit.read(repo, SensorContext(python=sys.executable, timeout_s=120))
    assert (reading.counts.passed, reading.counts.failed) == (1, 1)  # test_zero ends, test_seven loops
    (finding,) = reading.findings
    assert (
        finding.message.startswith("tests/test_bits.py::test_seven: failed") and "Timeout" in finding.message
    )
