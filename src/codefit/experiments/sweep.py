"""`codefit sweep`: settings x tasks x repeats, each one ordinary `fit` run, tagged with its sweep.

    suite = "suite.toml"          # relative to this file
    repeats = 1
    retries = 2                   # extra attempts after an infrastructure error
    [grid]                        # every combination; or [sample] with `count` and `seed`
    "optimizer.kind" = ["search"]
    max_steps = [1, 3]
    [budget]
    max_cost_usd = 5.0            # no new trial once spent
    max_minutes = 60

The sweep's own records live in the driver's store under `sweeps/<id>/`: `sweep.json` (what was
asked) and `trials.jsonl` (one line per finished trial). The runs themselves, with their records
and blobs, are imported into the driver's store, so `codefit show RUN` works on every one of them.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codefit.errors import ConfigError
from codefit.experiments.executors import make_executor
from codefit.experiments.order import longest_first
from codefit.experiments.settings import Setting, expand, setting_id
from codefit.experiments.suite import Suite, load_suite, pack_task
from codefit.experiments.transfer import import_store
from codefit.experiments.trial import Trial, TrialOutcome, TrialStatus
from codefit.store import Store, new_run_id

SWEEPS_DIR = "sweeps"


@dataclass(frozen=True)
class SweepSpec:
    suite: Path
    settings: list[Setting]
    repeats: int = 1
    retries: int = 2
    max_cost_usd: float | None = None
    max_minutes: float | None = None
    name: str = ""
    source: Path | None = None  # the sweep file, as the command line named it (for the resume hint)


@dataclass
class SweepState:
    id: str
    spec: dict[str, Any]
    status: str = "running"
    trials: list[dict[str, Any]] = field(default_factory=list)
    updated: float = 0.0  # when the sweep's record last changed (seconds since the epoch)


def load_sweep(path: Path) -> SweepSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("no such sweep file", where=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from None
    known = {"suite", "repeats", "retries", "grid", "sample", "budget", "name"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; expected one of {sorted(known)}", where=str(path))
    if "suite" not in data:
        raise ConfigError("a sweep names its `suite`", where=str(path))
    grid = data.get("grid") or {}
    sample = data.get("sample") or {}
    if sample:
        settings = expand(sample.get("grid", grid), sample.get("count"), sample.get("seed", 0))
    else:
        settings = expand(grid) if grid else [{}]
    budget = data.get("budget") or {}
    return SweepSpec(
        suite=(path.parent / data["suite"]).resolve(),
        settings=settings,
        repeats=int(data.get("repeats", 1)),
        retries=int(data.get("retries", 2)),
        max_cost_usd=budget.get("max_cost_usd"),
        max_minutes=budget.get("max_minutes"),
        name=data.get("name", path.stem),
        source=path,
    )


def sweep_dir(store: Store, sweep_id: str) -> Path:
    return store.root / SWEEPS_DIR / sweep_id


def list_sweeps(store: Store) -> list[str]:
    root = store.root / SWEEPS_DIR
    return (
        sorted((p.name for p in root.iterdir() if (p / "sweep.json").exists()), reverse=True)
        if root.exists()
        else []
    )


def resolve_sweep(store: Store, ref: str) -> str:
    sweeps = list_sweeps(store)
    if ref == "latest":
        if not sweeps:
            raise ConfigError("no sweep recorded here yet", where=str(store.root))
        return sweeps[0]
    found = [s for s in sweeps if s.startswith(ref)]
    if len(found) != 1:
        raise ConfigError(f"no single sweep matches {ref!r}", where=str(store.root))
    return found[0]


def read_state(store: Store, sweep_id: str) -> SweepState:
    folder = sweep_dir(store, sweep_id)
    meta = json.loads((folder / "sweep.json").read_text())
    trials_file = folder / "trials.jsonl"
    trials = (
        [json.loads(line) for line in trials_file.read_text().splitlines() if line]
        if trials_file.exists()
        else []
    )
    return SweepState(
        id=sweep_id,
        spec=meta["spec"],
        status=meta.get("status", "running"),
        trials=trials,
        updated=float(meta.get("updated", 0.0)),
    )


def run_sweep(
    spec: SweepSpec,
    store: Store,
    *,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: str | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> str:
    """Run every trial not yet finished; returns the sweep id. Ctrl-C stops it cleanly (resumable)."""
    suite = load_suite(spec.suite)
    sweep_id = resolve_sweep(store, resume) if resume else new_run_id()
    folder = sweep_dir(store, sweep_id)
    folder.mkdir(parents=True, exist_ok=True)
    # Resuming runs what did not finish: missing trials, and those that ran out of infrastructure retries.
    finished = {t["key"]: t["status"] for t in read_state(store, sweep_id).trials} if resume else {}
    done = {key for key, st in finished.items() if st != TrialStatus.INFRA.value}
    _write_meta(folder, spec, suite, "running")
    trials = [
        Trial(sweep_id, setting_id(s), s, task, r)
        for s in spec.settings
        for task in suite.tasks
        for r in range(spec.repeats)
    ]
    history = (t for past in list_sweeps(store) for t in read_state(store, past).trials)
    todo = longest_first([t for t in trials if t.key not in done], history)
    progress(f"sweep {sweep_id}: {len(trials)} trials ({len(done)} done before), {executor} executor")
    files = {task.name: pack_task(task) for task in suite.tasks}
    pool = make_executor(executor, workers, address)
    started, spent = time.monotonic(), 0.0
    pending: dict[Any, Trial] = {}
    status = "finished"
    try:
        queue = list(todo)
        # One trial queued beyond the busy workers: a worker that finishes starts the next at once,
        # while the driver imports the finished run's records (serial work, off the workers' path).
        limit = (workers or getattr(pool, "workers", None) or 2) + 1
        while queue or pending:
            while queue and len(pending) < limit and _within(spec, spent, started):
                trial = queue.pop(0)
                pending[pool.submit(trial, files[trial.task.name], 1)] = trial
            if not pending:
                status = "budget spent"
                break
            handle, outcome = pool.next_done(pending)
            trial = pending.pop(handle)
            if outcome.status == TrialStatus.INFRA and outcome.attempt <= spec.retries:
                progress(f"  {trial.key}: infrastructure error, retrying ({outcome.error})")
                pending[pool.submit(trial, files[trial.task.name], outcome.attempt + 1)] = trial
                continue
            if outcome.store:
                import_store(store, outcome.store)
            spent += float(outcome.metrics.get("cost_usd") or 0.0)
            _append(folder, trial, outcome)
            progress(
                f"  {trial.key}: {outcome.status.value} ({outcome.seconds:.1f} s, attempt {outcome.attempt})"
            )
    except KeyboardInterrupt:
        status = "interrupted"
        progress(
            f"sweep {sweep_id} interrupted; `codefit sweep {spec.source or 'SWEEP.toml'} --resume {sweep_id}`"
            " runs the rest"
        )
        raise
    finally:
        pool.shutdown()
        _write_meta(folder, spec, suite, status)
    return sweep_id


def _within(spec: SweepSpec, spent: float, started: float) -> bool:
    if spec.max_cost_usd is not None and spent >= spec.max_cost_usd:
        return False
    return spec.max_minutes is None or (time.monotonic() - started) / 60 < spec.max_minutes


def _write_meta(folder: Path, spec: SweepSpec, suite: Suite, status: str) -> None:
    meta = {
        "spec": {
            **asdict(spec),
            "suite": str(spec.suite),
            "suite_name": suite.name,
            "tasks": [t.name for t in suite.tasks],
        },
        "status": status,
        "updated": time.time(),
    }
    (folder / "sweep.json").write_text(json.dumps(meta, indent=1, default=str))


def _append(folder: Path, trial: Trial, outcome: TrialOutcome) -> None:
    line = {
        "key": trial.key,
        "setting_id": trial.setting_id,
        "setting": trial.setting,
        "task": trial.task.name,
        "repeat": trial.repeat,
        "status": outcome.status.value,
        "run_id": outcome.run_id,
        "metrics": outcome.metrics,
        "seconds": outcome.seconds,
        "cpu_seconds": outcome.cpu_seconds,
        "attempts": outcome.attempt,
        "error": outcome.error,
    }
    with (folder / "trials.jsonl").open("a") as fh:
        fh.write(json.dumps(line, default=str) + "\n")
