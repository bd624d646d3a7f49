"""One trial of a sweep: one ordinary `fit` of one task under one setting, run by a worker.

`run_trial` is what a worker executes, in a process of the local pool or as a Ray task: it gets the
task's files as bytes (no shared file system is assumed), runs `fit` in a fresh directory, and sends
back the outcome and the run's records and blobs as bytes for the driver's store.

An exception around the run (a workspace that cannot be made, a sandbox that fails, a worker that
dies) is an infrastructure error, which the sweep retries; a run that ends is the optimizer's
outcome (met or not), which is recorded as it is.
"""

from __future__ import annotations

import io
import os
import resource
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from codefit.experiments.settings import Setting, apply_setting
from codefit.experiments.suite import Task, prepare_task, unpack_task

FAULT_ENV = "CODEFIT_SWEEP_FAULT"  # "TASK:N": the first N attempts at TASK fail as infrastructure


class TrialStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    ERROR = "error"  # the run could not be judged (a configuration error): not retried
    INFRA = "infra_error"  # retried up to the sweep's limit


class InfraError(RuntimeError):
    """A failure of the machinery around the run, not of the optimizer."""


@dataclass(frozen=True)
class Trial:
    sweep_id: str
    setting_id: str
    setting: Setting
    task: Task
    repeat: int

    @property
    def key(self) -> str:
        return f"{self.setting_id}/{self.task.name}/{self.repeat}"


@dataclass
class TrialOutcome:
    key: str
    status: TrialStatus
    run_id: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    store: bytes | None = None  # the task repository's .codefit folder, as a tar
    attempt: int = 1
    cpu_seconds: float = 0.0  # user + system time of the worker and the processes it waited for


def cpu_seconds() -> float:
    """CPU time so far of this process and of its children that were waited for (sandboxes, pytest)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_trial(trial: Trial, task_files: bytes, attempt: int = 1) -> TrialOutcome:
    start, cpu = time.monotonic(), cpu_seconds()
    outcome = _attempt(trial, task_files, attempt, start)
    outcome.cpu_seconds = cpu_seconds() - cpu
    return outcome


def _attempt(trial: Trial, task_files: bytes, attempt: int, start: float) -> TrialOutcome:
    try:
        _inject_fault(trial.task.name, attempt)
        with tempfile.TemporaryDirectory(prefix="codefit-trial-") as tmp:
            task = unpack_task(trial.task, task_files, Path(tmp) / "files")
            repo = prepare_task(task, Path(tmp) / "task")
            apply_setting(repo / "codefit.toml", trial.setting)
            return _fit(trial, repo, start, attempt)
    except InfraError as exc:
        return TrialOutcome(
            trial.key, TrialStatus.INFRA, error=str(exc), seconds=time.monotonic() - start, attempt=attempt
        )
    except OSError as exc:
        return TrialOutcome(
            trial.key, TrialStatus.INFRA, error=f"{type(exc).__name__}: {exc}", attempt=attempt
        )


def _fit(trial: Trial, repo: Path, start: float, attempt: int) -> TrialOutcome:
    from codefit.api import Codebase
    from codefit.checkpoints.view import series_metrics
    from codefit.errors import CodefitError, WorkspaceError
    from codefit.report.summary import run_summary
    from codefit.workspace.sandbox import SandboxError

    codebase = Codebase(repo)
    try:
        if codebase.loaded.config.checkpoints:  # a task with checkpoints: one run each, in order
            series = codebase.fit_checkpoints()
            run_id, met, metrics = series.checkpoints[-1].run_id, series.met, series_metrics(series)
        else:
            history = codebase.compile().fit()
            run_id, met, metrics = history.run_id, history.met, None
    except (WorkspaceError, SandboxError) as exc:
        raise InfraError(str(exc)) from exc
    except CodefitError as exc:
        return TrialOutcome(
            trial.key, TrialStatus.ERROR, error=str(exc), seconds=time.monotonic() - start, attempt=attempt
        )
    store = codebase.store
    summary = run_summary(store, store.run(run_id))
    store.close()
    return TrialOutcome(
        key=trial.key,
        status=TrialStatus.MET if met else TrialStatus.NOT_MET,
        run_id=run_id,
        metrics=metrics or trial_metrics(summary),
        seconds=time.monotonic() - start,
        store=_pack(store.root),
        attempt=attempt,
    )


def trial_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    final = summary.get("final") or {}

    def score(split: str) -> float | None:
        part = final.get(split)
        return float(part["score"]) if isinstance(part, dict) and part.get("score") is not None else None

    steps = summary.get("steps", [])
    return {
        "met": bool(final.get("met")),
        "train_score": score("train"),
        "val_score": score("validation"),
        "test_score": score("test"),
        "gap": final.get("generalization_gap"),
        "cheating_rate": final.get("cheating_rate"),
        "cost_usd": float(sum(s.get("cost_usd") or 0.0 for s in steps)),
        "steps": max(0, len(steps) - 1),
    }


def _pack(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".lock"):
                tar.add(path, arcname=str(path.relative_to(folder)))
    return buffer.getvalue()


def _inject_fault(task: str, attempt: int) -> None:
    name, _, count = os.environ.get(FAULT_ENV, "").partition(":")
    if name == task and attempt <= int(count or 0):
        raise InfraError(f"injected infrastructure failure ({FAULT_ENV}) on attempt {attempt}")
