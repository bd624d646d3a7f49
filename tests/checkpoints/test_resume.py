"""`codefit fit --resume SERIES`: a checkpoint series interrupted at checkpoint 2 continues there
(checkpoint 1's run and outcome kept, checkpoint 2's run resumed, not restarted), and the series
record and `show` carry all three checkpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codefit.checkpoints.record import all_series
from codefit.checkpoints.series import fit_series
from codefit.cli import app
from codefit.config import load_config
from codefit.demo import prepare_example
from codefit.errors import Interrupted, StoreError
from codefit.harness.callbacks import Callback
from codefit.harness.plan import RunPlan
from codefit.store import Store


class CtrlC(Callback):
    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        raise KeyboardInterrupt


def at_checkpoint_two(index: int, _plan: RunPlan) -> Sequence[Callback]:
    return [CtrlC()] if index == 1 else []


@pytest.mark.slow
def test_an_interrupted_series_resumes_at_its_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    monkeypatch.delenv("INVENTORY_AGENT", raising=False)
    repo = prepare_example("checkpoints_inventory", tmp_path)
    store = Store.for_repo(repo)
    with pytest.raises(Interrupted) as stopped:
        fit_series(load_config(repo), store, callbacks_for=at_checkpoint_two)
    (series,) = all_series(store)
    assert stopped.value.hint.startswith(f"checkpoint 2 of 3 (totals) of series {series.id} stopped")
    assert stopped.value.hint.endswith(f"continue with: codefit fit --resume {series.id}")
    assert series.status == "running" and [c.name for c in series.checkpoints] == ["parse"]
    first, in_flight = series.checkpoints[0], series.running
    assert in_flight is not None

    result = CliRunner().invoke(app, ["fit", str(repo), "--resume", series.id])
    assert result.exit_code == 0, result.output
    assert "continuing at checkpoint 2" in result.output
    (resumed,) = all_series(store)
    assert resumed.status == "met" and resumed.running is None
    assert [c.name for c in resumed.checkpoints] == ["parse", "totals", "report"]
    assert resumed.checkpoints[0] == first  # kept as recorded
    assert resumed.checkpoints[1].run_id == in_flight  # resumed, not started again
    assert [s.idx for s in store.steps(in_flight)] == [0, 1]
    assert len(store.runs()) == 3 and all(c.forgetting == 0 for c in resumed.checkpoints)

    shown = CliRunner().invoke(app, ["show", in_flight, "-C", str(repo), "--json"])
    assert [c["met"] for c in json.loads(shown.output)["checkpoints"]] == [True, True, True]
    again = CliRunner().invoke(app, ["fit", str(repo), "--resume", in_flight])
    assert isinstance(again.exception, StoreError) and "already finished (met)" in again.exception.message


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
