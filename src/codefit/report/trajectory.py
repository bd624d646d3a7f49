"""One run's whole trajectory as JSON-ready data: the summary plus, per step, what the optimizer saw
(feedback), what it did (transcript, diff) and how each sensor judged it.

Reports, the live UI and the exporters all read runs through here, so they show the same thing.
Large texts are clipped (head and tail kept) so a long run never produces a page a browser chokes on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from codefit.ansi import strip_ansi
from codefit.errors import StoreError
from codefit.harness.recording import transcript_events
from codefit.report.summary import run_summary
from codefit.sensors.base import Reading, clip_output
from codefit.store import RunRecord, StepRecord, Store

TEXT_LIMIT = 60_000
FINDINGS_LIMIT = 50

# Keys of a step's logs that are not quality metrics (everything numeric beyond these is charted).
CORE_LOG_KEYS = frozenset(
    {
        "step",
        "loss",
        "train_score",
        "train_passed",
        "gates_passed",
        "alerts",
        "cost_usd_total",
        "sensor_cost_usd_total",
        "tokens_total",
        "val_budget_left",
        "val_score",
        "val_passed",
        "gap",
        "rolled_back",
    }
)


def find_step(store: Store, run: RunRecord, idx: int) -> StepRecord:
    for step in store.steps(run.id):
        if step.idx == idx:
            return step
    known = [s.idx for s in store.steps(run.id)]
    raise StoreError(f"run {run.id} has no step {idx} (steps: {known})", where=str(store.root))


def step_texts(store: Store, step: StepRecord, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    """The feedback the step received, the feedback it produced, its diff and transcript."""
    blobs = store.blobs
    events = transcript_events(blobs.text(step.transcript_blob))
    return {
        "feedback": clip_output(strip_ansi(blobs.text(step.feedback_blob)), limit),
        "next_feedback": clip_output(strip_ansi(blobs.text(step.next_feedback_blob)), limit),
        "diff": clip_output(blobs.text(step.diff_blob), limit),
        "transcript": [
            {**e.model_dump(mode="json"), "text": clip_output(strip_ansi(e.text), limit // 4)} for e in events
        ],
    }


def reading_detail(reading: Reading) -> dict[str, Any]:
    """A reading for the report: each failing test once (a finding that restates one is left out),
    and no terminal colour codes (a project's `--color=yes`)."""
    failing = reading.failing_tests()
    restated = tuple(f"{t.nodeid}: " for t in failing)
    findings = [f for f in reading.findings if not f.message.startswith(restated)]
    return {
        "sensor": reading.sensor,
        "split": reading.split.value,
        "score": reading.score,
        "passed": reading.passed,
        "counts": reading.counts.model_dump(),
        "duration_s": reading.duration_s,
        "error": strip_ansi(reading.error) if reading.error else reading.error,
        "failing": [
            {**t.model_dump(mode="json"), "message": strip_ansi(t.message)} for t in failing[:FINDINGS_LIMIT]
        ],
        "findings": [
            {**f.model_dump(mode="json"), "message": strip_ansi(f.message)} for f in findings[:FINDINGS_LIMIT]
        ],
        "metrics": dict(reading.metrics),
    }


def loss_terms(readings: Sequence[Reading], weights: Mapping[str, float]) -> dict[str, float]:
    """Each train sensor's share of the loss: weight * (1 - score) / total weight (they sum to the loss)."""
    train = [r for r in readings if r.split.value == "train"]
    total = sum(weights.get(r.sensor, 1.0) for r in train)
    if total <= 0:
        return {}
    return {r.sensor: weights.get(r.sensor, 1.0) * (1.0 - r.score) / total for r in train}


def sensor_weights(config: Mapping[str, Any]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for sensor in config.get("sensors", []):
        if isinstance(sensor, Mapping) and "name" in sensor:
            weights[str(sensor["name"])] = float(sensor.get("weight", 1.0))
    return weights


def quality_metrics(logs: Mapping[str, Any]) -> dict[str, float]:
    """Numeric figures in a step's logs beyond the core ones: quality metrics and per-sensor scores."""
    return {
        k: float(v)
        for k, v in logs.items()
        if k not in CORE_LOG_KEYS
        and not k.startswith("score_")
        and isinstance(v, int | float)
        and not isinstance(v, bool)
    }


def run_trajectory(store: Store, run: RunRecord, *, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    """`run_summary` plus the config, loss terms, quality metrics and each step's texts and readings."""
    summary = run_summary(store, run)
    weights = sensor_weights(run.config)
    readings = store.readings_by_step(run.id)
    records = {s.idx: s for s in store.steps(run.id)}
    for step in summary["steps"]:
        idx = step["index"]
        step_readings = readings.get(idx, [])
        step["loss_terms"] = loss_terms(step_readings, weights)
        step["quality"] = quality_metrics(step["logs"])
        step["budget_left"] = step["logs"].get("val_budget_left")
        step["tokens_total"] = step["logs"].get("tokens_total", 0)
        step["cost_usd_total"] = step["logs"].get("cost_usd_total", 0.0)
        step["details"] = {
            **step_texts(store, records[idx], limit),
            "readings": [reading_detail(r) for r in step_readings],
            "alerts": [a for a in summary["alerts"] if a["step"] == idx],
            "queries": [q for q in summary["queries"] if q["step"] == idx],
        }
    summary["final_readings"] = [reading_detail(r) for r in store.readings(run.id, phase="final")]
    summary["totals"] = run_totals(summary)
    return summary


def run_totals(summary: Mapping[str, Any]) -> dict[str, Any]:
    steps = summary["steps"]
    return {
        "steps": sum(1 for s in steps if s["index"] > 0),
        "cost_usd": sum(s["cost_usd"] for s in steps),
        # Steps whose model had no price: `cost_usd` is then a lower bound.
        "cost_unknown_steps": sum(1 for s in steps if not s.get("cost_known", True)),
        "input_tokens": sum(s["tokens"]["input"] for s in steps),
        "output_tokens": sum(s["tokens"]["output"] for s in steps),
        "cached_tokens": sum(s["tokens"]["cached"] for s in steps),
        "alerts": len(summary["alerts"]),
        "duration_s": sum(s["duration_s"] for s in steps),
    }
