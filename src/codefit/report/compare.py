"""Comparing runs: what differs in their harness settings, and how each one went.

Pure functions over run summaries (`run_summary`'s dicts). Across many runs, runs with the same
harness fingerprint are grouped and each figure is a mean with a bootstrap confidence interval.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from codefit.records import Record
from codefit.report.trajectory import quality_metrics

MISSING = "<unset>"


class RunOutcome(Record):
    """How one run went, in figures that can be compared and averaged."""

    run_id: str
    fingerprint: str
    status: str
    met: bool
    steps: int
    steps_to_converge: int | None
    train: float | None
    validation: float | None
    test: float | None
    gap: float | None
    gap_basis: str | None = None  # the held-out split the gap subtracts: "test", else "validation"
    cost_usd: float
    tokens: int
    alerts: int
    quality: dict[str, float]


class Estimate(Record):
    """A mean and its bootstrap confidence interval over `n` runs."""

    mean: float
    low: float
    high: float
    n: int


class FingerprintGroup(Record):
    fingerprint: str
    runs: tuple[str, ...]
    estimates: dict[str, Estimate]


GROUPED_FIGURES = ("met", "steps_to_converge", "train", "validation", "test", "gap", "cost_usd", "tokens")


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys: {"optimizer": {"kind": "x"}} -> {"optimizer.kind": "x"}; list items by index."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    out.update(flatten(item, f"{name}[{i}]."))
                else:
                    out[f"{name}[{i}]"] = item
        else:
            out[name] = value
    return out


def config_diff(configs: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The dotted keys whose values are not the same in every config, with each config's value."""
    flat = [flatten(c) for c in configs]
    keys = sorted({k for f in flat for k in f})
    diff: dict[str, list[Any]] = {}
    for key in keys:
        values = [f.get(key, MISSING) for f in flat]
        if any(v != values[0] for v in values[1:]):
            diff[key] = values
    return diff


def steps_to_converge(summary: Mapping[str, Any]) -> int | None:
    """The first step that passed validation (or, with no validation split, the train split)."""
    steps = [s for s in summary["steps"] if s["index"] > 0]
    has_validation = any(s["validation"] is not None for s in steps) or bool(
        (summary["final"].get("validation") or {}).get("score") is not None
    )
    for s in steps:
        if has_validation and s["validation"] is not None and s["validation"]["passed"]:
            return int(s["index"])
        if not has_validation and s["train"].get("passed"):
            return int(s["index"])
    return None


def run_outcome(summary: Mapping[str, Any]) -> RunOutcome:
    run, final, steps = summary["run"], summary["final"], summary["steps"]
    chosen = next((s for s in steps if s["index"] == run.get("chosen_step")), steps[-1] if steps else None)
    return RunOutcome(
        run_id=run["id"],
        fingerprint=run["fingerprint"],
        status=run["status"],
        met=bool(final.get("met")),
        steps=sum(1 for s in steps if s["index"] > 0),
        steps_to_converge=steps_to_converge(summary),
        train=final["train"]["score"],
        validation=final["validation"]["score"],
        test=final["test"]["score"],
        gap=final.get("generalization_gap"),
        gap_basis=final.get("gap_basis"),
        cost_usd=sum(s["cost_usd"] for s in steps),
        tokens=sum(s["tokens"]["input"] + s["tokens"]["output"] for s in steps),
        alerts=len(summary["alerts"]),
        quality=quality_metrics(chosen["logs"]) if chosen else {},
    )


def curves(summary: Mapping[str, Any], *, align_replay: bool = False) -> dict[str, list[float | None]]:
    """Per-step series: loss, train and validation scores, validation gap, cumulative cost.

    With `align_replay`, a replay's series start with `parent_step` gaps: its step 0 is its parent's
    step `parent_step`, so its curves line up with the parent's.
    """
    steps = summary["steps"]
    lead: list[float | None] = [None] * (replay_offset(summary) if align_replay else 0)
    return {
        "loss": lead + [s["loss"] for s in steps],
        "train": lead + [s["train"]["score"] for s in steps],
        "validation": lead + [None if s["validation"] is None else s["validation"]["score"] for s in steps],
        "gap": lead + [s["gap"] for s in steps],
        "cost_usd_total": lead + [s["logs"].get("cost_usd_total") for s in steps],
    }


def replay_offset(summary: Mapping[str, Any]) -> int:
    """The parent's step a replay started from (0 for a run that is no replay)."""
    return int(summary["run"].get("parent_step") or 0)


def distinct_runs(summaries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Each run once, in the order first named (`compare latest latest` is one run)."""
    seen: set[str] = set()
    out = []
    for summary in summaries:
        if summary["run"]["id"] not in seen:
            seen.add(summary["run"]["id"])
            out.append(summary)
    return out


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> Estimate:
    """Percentile bootstrap of the mean; seeded, so the same runs always give the same interval."""
    if not values:
        raise ValueError("bootstrap_mean needs at least one value")
    n = len(values)
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean=mean, low=mean, high=mean, n=1)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    tail = (1.0 - confidence) / 2
    low = means[int(tail * (resamples - 1))]
    high = means[int((1.0 - tail) * (resamples - 1))]
    return Estimate(mean=mean, low=low, high=high, n=n)


def group_by_fingerprint(outcomes: Sequence[RunOutcome], *, seed: int = 0) -> list[FingerprintGroup]:
    """Runs with equal harness settings together; each figure a mean with its 95% bootstrap CI."""
    groups: dict[str, list[RunOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.fingerprint, []).append(outcome)
    out = []
    for fingerprint, members in groups.items():
        estimates: dict[str, Estimate] = {}
        for figure in GROUPED_FIGURES:
            values = [float(v) for v in (getattr(m, figure) for m in members) if v is not None]
            if values:
                estimates[figure] = bootstrap_mean(values, seed=seed)
        out.append(
            FingerprintGroup(
                fingerprint=fingerprint, runs=tuple(m.run_id for m in members), estimates=estimates
            )
        )
    return out
