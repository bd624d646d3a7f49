"""`codefit sweep export`: a sweep as one MLflow parent run with a child run per trial.

The parent carries what was asked (the settings, the suite, repeats, budgets) as parameters, each
setting's figures from `sweep show` as metrics (`<setting>.met_share.mean`, `.ci_low`, `.ci_high`,
...), and the summary, the trials and the sweep page as artifacts. Every trial that ended in a run
is that run's ordinary export (`codefit export --to mlflow`), nested under the parent
(`mlflow.parentRunId`) and tagged with its setting, task and repeat.

Exporting again brings the same MLflow runs up to date: the parent is found by its sweep id, each
child by its codefit run id, so nothing is logged twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codefit.experiments.results import latest_trials, summarise
from codefit.experiments.settings import describe
from codefit.experiments.sweep import SweepState, read_state
from codefit.report.export import PARAM_VALUE_LIMIT, ExportError, export_mlflow, mlflow_key
from codefit.report.sweep_page import render_sweep
from codefit.store import Store

SWEEP_KIND = "sweep"
TERMINAL = {"finished": "FINISHED", "budget spent": "FINISHED", "interrupted": "KILLED"}


@dataclass(frozen=True)
class SweepExport:
    parent: str  # the MLflow run id of the sweep
    children: dict[str, str]  # trial key -> the MLflow run id of its fit run


def sweep_params(state: SweepState) -> dict[str, str]:
    """What was asked: the suite and its tasks, repeats, retries, budgets and each setting's values."""
    spec = state.spec
    values: dict[str, Any] = {
        "sweep.name": spec.get("name"),
        "sweep.suite": spec.get("suite_name"),
        "sweep.tasks": spec.get("tasks"),
        "sweep.repeats": spec.get("repeats"),
        "sweep.retries": spec.get("retries"),
        "sweep.max_cost_usd": spec.get("max_cost_usd"),
        "sweep.max_minutes": spec.get("max_minutes"),
    }
    settings = spec.get("settings") or []
    for key in sorted({k for s in settings for k in s}):  # the grid: each key's values, in order of use
        seen: list[Any] = []
        for setting in settings:
            if key in setting and setting[key] not in seen:
                seen.append(setting[key])
        values[f"grid.{key}"] = seen
    out = {}
    for key, value in values.items():
        if value is not None:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            out[mlflow_key(key)] = text[:PARAM_VALUE_LIMIT]
    return out


def sweep_metrics(summary: dict[str, Any]) -> dict[str, float]:
    """Per setting, each figure as mean and 95 % interval: `<setting id>.<figure>.<mean|ci_low|ci_high>`."""
    out: dict[str, float] = {}
    for setting in summary["settings"]:
        out[f"{setting['id']}.trials"] = float(setting["trials"])
        out[f"{setting['id']}.infra_errors"] = float(setting["infra_errors"])
        for figure, value in setting.items():
            if isinstance(value, dict) and set(value) == {"mean", "ci_low", "ci_high"}:
                out.update({f"{setting['id']}.{figure}.{part}": float(v) for part, v in value.items()})
    return {mlflow_key(k): v for k, v in out.items()}


def export_sweep_mlflow(
    store: Store,
    sweep_id: str,
    *,
    tracking_uri: str,
    experiment: str = "codefit",
    artifact_location: str | None = None,
) -> SweepExport:
    """Log the sweep and its runs into MLflow. Needs `pip install 'codefit[mlflow]'`."""
    try:
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise ExportError(
            "MLflow is not installed; `pip install 'codefit[mlflow]'` (mlflow-skinny, sqlalchemy, alembic)"
        ) from None
    state = read_state(store, sweep_id)
    trials = latest_trials(state)
    summary = summarise(state)
    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = (
        found.experiment_id
        if found is not None
        else client.create_experiment(experiment, artifact_location=artifact_location)
    )
    tags = {
        "codefit.kind": SWEEP_KIND,
        "codefit.sweep_id": state.id,
        "codefit.status": state.status,
        "codefit.best_by_validation": summary["best_by_validation"] or "",
        "codefit.note": summary["note"],
    }
    earlier = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`codefit.kind` = '{SWEEP_KIND}' and tags.`codefit.sweep_id` = '{state.id}'",
        max_results=1,
    )
    if earlier:
        parent: str = earlier[0].info.run_id
        client.log_batch(parent, tags=[RunTag(k, v) for k, v in tags.items()])
    else:
        parent = client.create_run(experiment_id, run_name=f"sweep {state.id}", tags=tags).info.run_id
    params = [Param(k, v) for k, v in sweep_params(state).items()]
    for i in range(0, len(params), 100):  # MLflow's batch limit for parameters
        client.log_batch(parent, params=params[i : i + 100])
    # One point per state of the sweep (step = trials recorded): exporting an unchanged sweep again
    # logs the same points, a resumed one adds later points.
    when, step = int(state.updated * 1000), len(state.trials)
    metrics = [Metric(k, v, when, step) for k, v in sweep_metrics(summary).items()]
    for i in range(0, len(metrics), 1000):
        client.log_batch(parent, metrics=metrics[i : i + 1000])
    children = {}
    for trial in trials:
        if not trial.get("run_id"):  # an infrastructure error or a run that could not be judged
            continue
        child = export_mlflow(
            store,
            trial["run_id"],
            tracking_uri=tracking_uri,
            experiment=experiment,
            artifact_location=artifact_location,
        )
        child_tags = {
            "mlflow.parentRunId": parent,
            "mlflow.runName": trial["key"],
            "codefit.sweep": state.id,
            "codefit.setting_id": trial["setting_id"],
            "codefit.setting": describe(trial["setting"]),
            "codefit.task": trial["task"],
            "codefit.repeat": str(trial["repeat"]),
            **{
                mlflow_key(f"setting.{k}"): json.dumps(v, default=str)[:PARAM_VALUE_LIMIT]
                for k, v in trial["setting"].items()
            },
        }
        client.log_batch(child, tags=[RunTag(k, v) for k, v in child_tags.items()])
        children[trial["key"]] = child
    client.log_text(parent, json.dumps(summary, indent=1, default=str), "summary.json")
    client.log_text(parent, "".join(json.dumps(t, default=str) + "\n" for t in trials), "trials.jsonl")
    client.log_text(parent, render_sweep(summary, trials), "sweep.html")
    if state.status in TERMINAL:  # a sweep still running (or being resumed) stays open in MLflow too
        client.set_terminated(parent, status=TERMINAL[state.status])
    return SweepExport(parent, children)
