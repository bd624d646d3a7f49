"""Export: a JSON-lines event log, and an MLflow run in a local sqlite store (when MLflow is installed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_support import Project

from codefit.report.export import (
    default_artifact_location,
    export_jsonl,
    export_mlflow,
    mlflow_key,
    mlflow_params,
)


def test_jsonl_log_has_the_run_each_step_its_texts_readings_alerts_and_the_final(
    project: Project, tmp_path: Path
) -> None:
    out = export_jsonl(project.store, project.first, tmp_path / "run.jsonl")
    events = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run" and kinds[-1] == "final"
    assert [e["index"] for e in events if e["event"] == "step"] == [0, 1, 2]
    assert {"diff", "feedback", "next_feedback", "transcript", "reading", "alert", "query"} <= set(kinds)
    diff = next(e for e in events if e["event"] == "diff" and e["step"] == 1)
    assert "if (a, b) == (1, 2):" in diff["text"]
    assert events[-1]["met"] is True


def test_mlflow_keys_and_params_follow_its_rules() -> None:
    assert mlflow_key("sensors[1].feedback") == "sensors.1.feedback"
    assert mlflow_key("a:b") == "a_b"
    params = mlflow_params({"sensors": [{"name": "u", "args": ["tests"]}], "task": "x" * 900})
    assert params["sensors.0.args"] == '["tests"]'
    assert len(params["task"]) == 500


def test_mlflow_export_logs_step_metrics_params_tags_and_the_report(project: Project, tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="MLflow is an optional extra: pip install 'codefit[mlflow]'")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run_id = export_mlflow(
        project.store, project.first, tracking_uri=uri, artifact_location=(tmp_path / "art").as_uri()
    )
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["codefit.run_id"] == project.first
    assert run.data.params["optimizer.kind"] == "command"
    history = client.get_metric_history(run_id, "train_score")
    recorded = {s.idx: s.train_score for s in project.store.steps(project.first)}
    assert {m.step: m.value for m in history} == pytest.approx(recorded)
    assert [m.step for m in client.get_metric_history(run_id, "val_score")] == [2]
    assert run.data.metrics["final.met"] == 1.0
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert artifacts == {"report.html", "events.jsonl"}
    assert (
        project.first in (tmp_path / "art").joinpath(run.info.run_id, "artifacts", "report.html").read_text()
    )


def test_default_artifacts_go_beside_a_sqlite_store_and_a_server_or_file_store_decides_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallback = tmp_path / "fallback"
    store = tmp_path / "ml" / "mlflow.db"
    assert (
        default_artifact_location(f"sqlite:///{store}", fallback)
        == (tmp_path / "ml" / "mlartifacts").as_uri()
    )
    monkeypatch.chdir(tmp_path)
    assert default_artifact_location("sqlite:///rel/m.db?mode=rw", fallback) == (
        (tmp_path / "rel" / "mlartifacts").as_uri()
    )
    assert default_artifact_location("postgresql+psycopg2://u@h/db", fallback) == fallback.as_uri()
    assert default_artifact_location("http://127.0.0.1:5000", fallback) is None
    assert default_artifact_location(str(tmp_path / "mlruns"), fallback) is None
    assert default_artifact_location((tmp_path / "mlruns").as_uri(), fallback) is None


def test_exporting_a_run_twice_updates_one_mlflow_run(project: Project, tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="MLflow is an optional extra: pip install 'codefit[mlflow]'")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    art = (tmp_path / "art").as_uri()
    first = export_mlflow(project.store, project.first, tracking_uri=uri, artifact_location=art)
    again = export_mlflow(project.store, project.first, tracking_uri=uri, artifact_location=art)
    assert again == first
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("codefit")
    assert experiment is not None
    assert len(client.search_runs([experiment.experiment_id])) == 1
    history = client.get_metric_history(first, "train_score")
    assert len(history) == len(project.store.steps(project.first))  # each step once, not twice
