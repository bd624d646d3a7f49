"""`codefit export`: a run as a plain JSON-lines event log, or as an MLflow run (optional extra).

MLflow gets per-step metrics (step = codefit's step index), the config as flattened parameters,
codefit's identifiers as tags, and the HTML report and the event log as artifacts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from codefit.errors import CodefitError
from codefit.report.compare import flatten
from codefit.report.html import render_report
from codefit.report.trajectory import run_trajectory
from codefit.store import Store

PARAM_VALUE_LIMIT = 500
DATABASE_SCHEMES = frozenset({"postgresql", "mysql", "mssql"})  # MLflow's database stores besides sqlite
_MLFLOW_KEY_BAD = re.compile(r"[^A-Za-z0-9_\-. /]")


class ExportError(CodefitError):
    """An export target is unavailable or refused the run."""


def default_artifact_location(tracking_uri: str, fallback: Path) -> str | None:
    """Where a new MLflow experiment keeps its artifacts unless told: beside a sqlite store's file,
    `fallback` for another database, None where the store decides (a tracking server, a file store).

    MLflow's own default for a database store is `./mlruns` in the working directory: the user's
    repository, whose work tree an export must never write into.
    """
    scheme, sep, rest = tracking_uri.partition(":")
    if not sep or scheme == "file" or len(scheme) == 1:  # a plain path (or a Windows drive) is a file store
        return None
    if scheme == "sqlite":
        database = rest.removeprefix("///").split("?")[0]
        if database and database != ":memory:":
            return (Path(database).resolve().parent / "mlartifacts").as_uri()
        return fallback.resolve().as_uri()
    if scheme.split("+")[0] in DATABASE_SCHEMES:
        return fallback.resolve().as_uri()
    return None


def jsonl_events(trajectory: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One event per line: run, then per step its record, readings, alerts and queries, then final."""
    run = trajectory["run"]
    yield {"event": "run", **run, "config": trajectory.get("config", {})}
    for step in trajectory["steps"]:
        details = step.get("details", {})
        record = {k: v for k, v in step.items() if k not in ("details", "readings")}
        yield {"event": "step", "run_id": run["id"], **record}
        for name in ("feedback", "diff", "next_feedback"):
            if details.get(name):
                yield {"event": name, "run_id": run["id"], "step": step["index"], "text": details[name]}
        for event in details.get("transcript", []):
            yield {"event": "transcript", "run_id": run["id"], "step": step["index"], **event}
        for reading in details.get("readings", []):
            yield {"event": "reading", "run_id": run["id"], "step": step["index"], **reading}
    for alert in trajectory["alerts"]:
        yield {"event": "alert", "run_id": run["id"], **alert}
    for query in trajectory["queries"]:
        yield {"event": "query", **query}
    yield {"event": "final", "run_id": run["id"], **trajectory["final"]}


def export_jsonl(store: Store, run_ref: str, out: Path) -> Path:
    trajectory = run_trajectory(store, store.run(run_ref))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for event in jsonl_events(trajectory):
            fh.write(json.dumps(event, default=str) + "\n")
    return out


def mlflow_key(name: str) -> str:
    """MLflow accepts letters, digits, `_-. /` in keys: `sensors[0].name` -> `sensors.0.name`."""
    return _MLFLOW_KEY_BAD.sub("_", name.replace("[", ".").replace("]", ""))


def mlflow_params(config: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in flatten(config).items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        out[mlflow_key(key)] = text[:PARAM_VALUE_LIMIT]
    return out


def step_metrics(step: Mapping[str, Any]) -> dict[str, float]:
    """A step's numbers, as MLflow metrics; absent values are left out rather than logged as 0."""
    values: dict[str, Any] = {
        "loss": step["loss"],
        "train_score": step["train"]["score"],
        "val_score": None if step["validation"] is None else step["validation"]["score"],
        "gap": step["gap"],
        "alerts": step["alerts"],
        "cost_usd": step["cost_usd"],
        "cost_usd_total": step.get("cost_usd_total"),
        "tokens_total": step.get("tokens_total"),
        "input_tokens": step["tokens"]["input"],
        "output_tokens": step["tokens"]["output"],
        "val_budget_left": step.get("budget_left"),
        "duration_s": step["duration_s"],
    }
    values.update({f"loss_term.{k}": v for k, v in step.get("loss_terms", {}).items()})
    values.update({f"quality.{k}": v for k, v in step.get("quality", {}).items()})
    return {
        mlflow_key(k): float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def final_metrics(final: Mapping[str, Any]) -> dict[str, float]:
    values = {
        "final.train": final["train"]["score"],
        "final.validation": final["validation"]["score"],
        "final.test": final["test"]["score"],
        "final.generalization_gap": final.get("generalization_gap"),
        "final.met": None if final.get("met") is None else float(bool(final["met"])),
    }
    return {k: float(v) for k, v in values.items() if isinstance(v, int | float)}


def export_mlflow(
    store: Store,
    run_ref: str,
    *,
    tracking_uri: str,
    experiment: str = "codefit",
    artifact_location: str | None = None,
) -> str:
    """Log the run into MLflow; returns the MLflow run id. Needs `pip install 'codefit[mlflow]'`."""
    try:
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise ExportError(
            "MLflow is not installed; `pip install 'codefit[mlflow]'` (mlflow-skinny, sqlalchemy, alembic)"
        ) from None
    trajectory = run_trajectory(store, store.run(run_ref))
    run = trajectory["run"]
    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = (
        found.experiment_id
        if found is not None
        else client.create_experiment(experiment, artifact_location=artifact_location)
    )
    tags = {
        "codefit.run_id": run["id"],
        "codefit.fingerprint": run["fingerprint"],
        "codefit.status": run["status"],
        "codefit.optimizer": run["optimizer"],
        "codefit.parent_run": run.get("parent_run") or "",
    }
    # Exported before: the same MLflow run is brought up to date, never a second one.
    earlier = client.search_runs(
        [experiment_id], filter_string=f"tags.`codefit.run_id` = '{run['id']}'", max_results=1
    )
    if earlier:
        mlflow_id: str = earlier[0].info.run_id
        client.log_batch(mlflow_id, tags=[RunTag(k, v) for k, v in tags.items()])
    else:
        mlflow_id = client.create_run(experiment_id, run_name=run["id"], tags=tags).info.run_id
    # Timestamps from the run, not the clock: logging a step's metric again adds no second point.
    now = int(run["created"] * 1000)
    metrics = [
        Metric(key, value, now, step["index"])
        for step in trajectory["steps"]
        for key, value in step_metrics(step).items()
    ]
    final_step = trajectory["final"].get("step") or 0
    metrics += [Metric(k, v, now, final_step) for k, v in final_metrics(trajectory["final"]).items()]
    params = [Param(k, v) for k, v in mlflow_params(trajectory.get("config", {})).items()]
    for i in range(0, len(metrics), 1000):  # MLflow's batch limits: 1000 metrics, 100 params
        client.log_batch(mlflow_id, metrics=metrics[i : i + 1000])
    for i in range(0, len(params), 100):
        client.log_batch(mlflow_id, params=params[i : i + 100])
    client.log_batch(
        mlflow_id, tags=[RunTag("codefit.stop_reason", str(trajectory["final"].get("stop_reason")))]
    )
    data = {"live": False, "runs": [trajectory], "comparison": None}
    client.log_text(mlflow_id, render_report(data), "report.html")
    events = "".join(json.dumps(e, default=str) + "\n" for e in jsonl_events(trajectory))
    client.log_text(mlflow_id, events, "events.jsonl")
    if run["status"] != "running":  # a run still in progress stays open in MLflow too
        client.set_terminated(mlflow_id, status="FAILED" if run["status"] == "error" else "FINISHED")
    return mlflow_id
