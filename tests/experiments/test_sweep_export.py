"""MLflow export of a sweep: a parent run for the sweep, a child run per trial, none twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codefit.cli import app
from codefit.experiments.export import export_sweep_mlflow
from codefit.experiments.sweep import load_sweep, read_state, run_sweep
from codefit.experiments.trial import FAULT_ENV
from codefit.store import Store

pytestmark = pytest.mark.slow
mlflow = pytest.importorskip("mlflow", reason="MLflow is an optional extra: pip install 'codefit[mlflow]'")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """Two settings over two tasks, one of whose attempts all fail as infrastructure (no run)."""
    folder = tmp_path_factory.mktemp("sweep")
    lines = ['name = "mini"']
    for task in ("wrong_variable", "off_by_one_sum"):
        lines += ["[[tasks]]", f'name = "{task}"', f'repo = "{EXAMPLES / task / "repo"}"']
        lines.append(f'hidden = "{EXAMPLES / task / "hidden"}"')
    (folder / "suite.toml").write_text("\n".join(lines) + "\n")
    (folder / "sweep.toml").write_text('suite = "suite.toml"\nretries = 0\n[grid]\nmax_steps = [1, 2]\n')
    store = Store(folder / ".codefit")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(FAULT_ENV, "off_by_one_sum:9")
        yield store, run_sweep(load_sweep(folder / "sweep.toml"), store, executor="local", workers=2)


def test_a_sweep_is_a_parent_run_with_a_child_run_per_trial_tagged_by_setting(
    swept: tuple[Store, str], tmp_path: Path
) -> None:
    store, sweep_id = swept
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    done = export_sweep_mlflow(store, sweep_id, tracking_uri=uri, artifact_location=(tmp_path / "a").as_uri())
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    parent = client.get_run(done.parent)
    assert parent.info.status == "FINISHED" and parent.data.tags["codefit.sweep_id"] == sweep_id
    assert parent.data.params["grid.max_steps"] == "[1, 2]"
    assert parent.data.params["sweep.tasks"] == '["wrong_variable", "off_by_one_sum"]'
    trials = {t["key"]: t for t in read_state(store, sweep_id).trials}
    settings = {t["setting_id"] for t in trials.values()}
    for sid in settings:  # each setting's figures, with their intervals
        assert {f"{sid}.met_share.{p}" for p in ("mean", "ci_low", "ci_high")} <= set(parent.data.metrics)
        assert parent.data.metrics[f"{sid}.infra_errors"] == 1.0
    assert {a.path for a in client.list_artifacts(done.parent)} == {
        "summary.json",
        "trials.jsonl",
        "sweep.html",
    }
    # Only the trials that ran are children: the infrastructure errors left no run to export.
    assert set(done.children) == {k for k, t in trials.items() if t["task"] == "wrong_variable"}
    for key, child_id in done.children.items():
        child = client.get_run(child_id)
        assert child.data.tags["mlflow.parentRunId"] == done.parent
        assert child.data.tags["codefit.run_id"] == trials[key]["run_id"]
        assert child.data.tags["codefit.setting_id"] == trials[key]["setting_id"]
        assert child.data.tags["setting.max_steps"] == str(trials[key]["setting"]["max_steps"])
        assert child.data.tags["codefit.task"] == "wrong_variable"
        assert child.data.metrics["final.met"] == float(trials[key]["status"] == "met")
    nested = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{done.parent}'"
    )
    assert {r.info.run_id for r in nested} == set(done.children.values())


def test_exporting_a_sweep_twice_logs_no_run_or_point_twice(swept: tuple[Store, str], tmp_path: Path) -> None:
    store, sweep_id = swept
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    art = (tmp_path / "a").as_uri()
    first = export_sweep_mlflow(store, sweep_id, tracking_uri=uri, artifact_location=art)
    again = export_sweep_mlflow(store, sweep_id, tracking_uri=uri, artifact_location=art)
    assert again == first
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("codefit")
    assert experiment is not None
    assert len(client.search_runs([experiment.experiment_id])) == 1 + len(first.children)
    sid = read_state(store, sweep_id).trials[0]["setting_id"]
    assert len(client.get_metric_history(first.parent, f"{sid}.met_share.mean")) == 1


def test_sweep_export_on_the_command_line_keeps_artifacts_beside_the_tracking_store(
    swept: tuple[Store, str], tmp_path: Path
) -> None:
    store, sweep_id = swept
    db = tmp_path / "tracking" / "mlflow.db"
    db.parent.mkdir()
    result = CliRunner().invoke(
        app,
        ["sweep", "export", "latest", "--store", str(store.root), "--tracking-uri", f"sqlite:///{db}"],
    )
    assert result.exit_code == 0, result.output
    assert f"exported sweep {sweep_id}" in result.output and "with 2 child runs" in result.output
    assert list((tmp_path / "tracking" / "mlartifacts").rglob("sweep.html"))
