"""A three-checkpoint task end to end: `examples/checkpoints_inventory` with its scripted agent.

The honest agent meets all three checkpoints (through the real CLI: `fit`, `show`, `show --json`);
the careless one rewrites checkpoint 1's `parse_line` at checkpoint 3, and the series reports the
checkpoint-1 held-out test it broke while checkpoint 3 is met.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codefit.checkpoints.record import SeriesRecord, all_series
from codefit.checkpoints.series import fit_series
from codefit.cli import app
from codefit.config import load_config
from codefit.demo import prepare_example
from codefit.errors import Interrupted, StoreError
from codefit.harness.callbacks import Callback
from codefit.harness.plan import RunPlan
from codefit.store import Store

from ..conftest import GIT_ENV

pytestmark = pytest.mark.slow

EXAMPLE = "checkpoints_inventory"
BROKEN = (
    "parse_validation::.codefit-heldout/parse_validation/test_parse_validation.py::test_ignores_whitespace"
)


def codefit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=480,
    )


@pytest.fixture(scope="module")
def honest(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Any, ...]]:
    root = tmp_path_factory.mktemp("honest")
    home = root / "home"
    env = {
        **os.environ,
        **GIT_ENV,
        "HOME": str(home),
        "CODEFIT_WORKDIR": str(root / "workdir"),
        "COLUMNS": "220",
    }
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("INVENTORY_AGENT", None)
    with pytest.MonkeyPatch.context() as mp:
        for key in ("HOME", *GIT_ENV):
            mp.setenv(key, env[key])
        repo = prepare_example(EXAMPLE, root)
    fit = codefit("fit", cwd=repo, env=env)
    shown = codefit("show", "latest", "--json", cwd=repo, env=env)
    assert shown.returncode == 0, shown.stderr
    plain = codefit("show", "latest", cwd=repo, env=env)
    yield fit, json.loads(shown.stdout), plain.stdout, repo, env


def test_an_honest_agent_meets_all_three_checkpoints(honest: tuple[Any, ...]) -> None:
    fit, summary, *_ = honest
    assert fit.returncode == 0, fit.stdout + fit.stderr
    rows = summary["checkpoints"]
    assert [r["name"] for r in rows] == ["parse", "totals", "report"]
    assert all(r["met"] for r in rows)
    assert [r["steps"] for r in rows] == [1, 1, 1]
    assert [r["forgetting"] for r in rows] == [0, 0, 0]
    assert all(r["val_score"] == 1.0 and r["test_score"] == 1.0 for r in rows)
    assert set(rows[-1]["quality"]) == {"erosion", "verbosity", "duplication", "concentration"}
    assert set(rows[-1]["drift"]) == set(rows[-1]["quality"])
    assert summary["run"]["id"] == rows[-1]["run_id"]  # `latest` is the last checkpoint's run


def test_show_prints_the_checkpoints_table(honest: tuple[Any, ...]) -> None:
    _, summary, plain, *_ = honest
    assert f"checkpoints of series {summary['series']['series']}" in plain
    for name in ("parse", "totals", "report"):
        assert name in plain


def test_compare_and_the_report_carry_the_checkpoints(honest: tuple[Any, ...], tmp_path: Path) -> None:
    _, summary, _, repo, env = honest
    first, _, last = (row["run_id"] for row in summary["checkpoints"])
    # The series' id stands for its last checkpoint's run.
    compared = codefit("compare", first, summary["series"]["series"], "--json", cwd=repo, env=env)
    assert compared.returncode == 0, compared.stderr
    assert [o["run_id"] for o in json.loads(compared.stdout)["outcomes"]] == [first, last]
    (series,) = json.loads(compared.stdout)["checkpoints"]
    assert [row["name"] for row in series["checkpoints"]] == ["parse", "totals", "report"]
    report = codefit("report", last, "-o", str(tmp_path / "report.html"), cwd=repo, env=env)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text()
    assert f"checkpoints of series {series['series']}" in page
    assert "<td>totals</td>" in page


class CtrlC(Callback):
    def on_step_begin(self, step: int, logs: Mapping[str, Any]) -> None:
        raise KeyboardInterrupt


def at_checkpoint_three(index: int, _plan: RunPlan) -> Sequence[Callback]:
    return [CtrlC()] if index == 2 else []


def test_a_careless_agent_is_caught_forgetting_checkpoint_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also `fit --resume SERIES`: the series is interrupted as checkpoint 3 takes its first step and
    resumed there (checkpoints 1 and 2 kept as recorded, checkpoint 3's run resumed, not restarted);
    forgetting is still judged against what checkpoint 1 passed at its own end."""
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    monkeypatch.setenv("INVENTORY_AGENT", "careless")
    repo = prepare_example(EXAMPLE, tmp_path)
    store = Store.for_repo(repo)
    with pytest.raises(Interrupted) as stopped:
        fit_series(load_config(repo), store, callbacks_for=at_checkpoint_three)
    (interrupted,) = all_series(store)
    assert stopped.value.hint.startswith(f"checkpoint 3 of 3 (report) of series {interrupted.id} stopped")
    assert stopped.value.hint.endswith(f"continue with: codefit fit --resume {interrupted.id}")
    assert interrupted.status == "running" and [c.name for c in interrupted.checkpoints] == [
        "parse",
        "totals",
    ]
    in_flight = interrupted.running
    assert in_flight is not None

    resumed = CliRunner().invoke(app, ["fit", str(repo), "--resume", interrupted.id])
    assert resumed.exit_code == 0, resumed.output
    assert "2 of 3 checkpoints finished; continuing at checkpoint 3" in resumed.output
    (series,) = all_series(store)
    assert series.checkpoints[:2] == interrupted.checkpoints  # kept as recorded
    assert series.checkpoints[2].run_id == in_flight and series.running is None  # resumed, not restarted
    assert [s.idx for s in store.steps(in_flight)] == [0, 1] and len(store.runs()) == 3
    parse, totals, report = series.checkpoints
    assert parse.met and totals.met and report.met  # checkpoint 3 passes its own tests...
    assert (parse.forgetting, totals.forgetting) == (0, 0)
    assert report.forgetting == 1  # ...while checkpoint 1's whitespace test, passing at its end, fails
    assert report.forgotten == [BROKEN]
    assert report.outcomes["parse"][BROKEN] is False and parse.outcomes["parse"][BROKEN] is True
    stored = SeriesRecord.model_validate_json((store.root / "checkpoints" / f"{series.id}.json").read_text())
    assert stored.checkpoints[-1].forgotten == [BROKEN] and stored.status == "met"
    again = CliRunner().invoke(app, ["fit", str(repo), "--resume", in_flight])  # a run of the series
    assert isinstance(again.exception, StoreError) and "already finished (met)" in again.exception.message


def test_a_suite_task_may_carry_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codefit.demo import examples_dir
    from codefit.experiments.suite import Task, pack_task
    from codefit.experiments.trial import Trial, TrialStatus, run_trial

    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    monkeypatch.delenv("INVENTORY_AGENT", raising=False)
    task = Task(name=EXAMPLE, root=examples_dir(), repo=f"{EXAMPLE}/repo", hidden=f"{EXAMPLE}/hidden")
    outcome = run_trial(Trial("sweep", "base", {}, task, 0), pack_task(task))
    assert outcome.status == TrialStatus.MET, outcome.error
    assert outcome.metrics["checkpoints_met"] == 3
    assert outcome.metrics["steps"] == 3 and outcome.metrics["forgetting"] == 0


def test_a_plain_fit_refuses_a_config_with_checkpoints(tmp_path: Path) -> None:
    from codefit.api import Codebase
    from codefit.errors import ConfigError

    repo = prepare_example(EXAMPLE, tmp_path)
    with pytest.raises(ConfigError, match="fit_checkpoints"):
        Codebase(repo).fit()
