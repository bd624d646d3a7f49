"""Ctrl-C in a checkpoint series: `codefit fit` names the series to resume, not the checkpoint's run.
(Resuming one end to end: `test_series.py`'s careless agent, interrupted at checkpoint 3.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codefit.cli import app
from codefit.demo import prepare_example
from codefit.errors import Interrupted


def test_ctrl_c_prints_the_series_to_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codefit.checkpoints import command

    def interrupted(*_args: Any, callbacks_for: Any, **_kwargs: Any) -> None:
        raise Interrupted(
            "checkpoint 2 of 3 (totals) of series S1 stopped; continue with: codefit fit --resume S1"
        )

    monkeypatch.setattr(command, "fit_series", interrupted)
    result = CliRunner().invoke(app, ["fit", str(prepare_example("checkpoints_inventory", tmp_path))])
    assert result.exit_code != 0
    assert "continue with: codefit fit --resume S1" in result.output
