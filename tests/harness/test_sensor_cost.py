"""What a sensor spends (an LLM judge's tokens) counts in the run's cost, and so in its cost budget."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from codefit.api import Codebase
from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.spec import Spec, Split
from tests.conftest import MakeRepo

CONFIG = """
task = "Keep going."
max_steps = 5
max_cost_usd = 0.5

[[sensors]]
name = "priced"
kind = "command"
command = "true"

[optimizer]
kind = "command"
command = "echo step >> notes.txt"
"""


class PricedReview:
    """A train sensor that never passes and costs $0.20 a reading, like a judge would."""

    options_model: ClassVar[type[Options]] = Options
    settings = SensorSettings(name="priced", kind="priced", split=Split.TRAIN)

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        return Reading(sensor="priced", split=Split.TRAIN, score=0.0, passed=False, metrics={"cost_usd": 0.2})


@pytest.mark.slow
def test_sensor_cost_counts_in_the_run_total_and_its_budget(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    repo = make_repo({"notes.txt": "", "codefit.toml": CONFIG})
    history = Codebase(repo).compile(spec=Spec((PricedReview(),))).fit()
    costs = [round(s["cost_usd_total"], 2) for s in history.steps]
    assert costs == [0.2, 0.4, 0.6]
    assert history.stop_reason == "cost budget of $0.5 spent"
