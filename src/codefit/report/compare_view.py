"""Terminal tables for `codefit compare`: settings diff, outcomes side by side, curves, fingerprint groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

from codefit.report.compare import (
    Estimate,
    FingerprintGroup,
    RunOutcome,
    config_diff,
    curves,
    group_by_fingerprint,
    run_outcome,
)
from codefit.report.terminal import fmt, gap_label, metric_text

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], low: float = 0.0, high: float = 1.0) -> str:
    """One character per step; a gap (no value) is a space."""
    span = (high - low) or 1.0
    out = []
    for v in values:
        if v is None:
            out.append(" ")
            continue
        level = round((min(max(v, low), high) - low) / span * (len(SPARKS) - 1))
        out.append(SPARKS[level])
    return "".join(out)


def settings_table(summaries: Sequence[Mapping[str, Any]]) -> Table:
    ids = [s["run"]["id"] for s in summaries]
    table = Table(title="harness settings that differ")
    table.add_column("setting")
    for run_id in ids:
        table.add_column(run_id, no_wrap=True, min_width=len(run_id))  # an id is never cut
    table.add_row("fingerprint", *(s["run"]["fingerprint"] for s in summaries))
    diff = config_diff([s.get("config", {}) for s in summaries])
    for key, values in diff.items():
        table.add_row(key, *(_short(v) for v in values))
    if not diff:
        table.add_row("(config)", *("identical" for _ in ids))
    return table


def outcomes_table(outcomes: Sequence[RunOutcome]) -> Table:
    """Figures side by side: counts as integers, scores with two decimals, cost with four."""
    table = Table(title="outcomes")
    table.add_column("figure")
    for o in outcomes:
        table.add_column(o.run_id, justify="right", no_wrap=True, min_width=len(o.run_id))
    bases = {o.gap_basis for o in outcomes if o.gap_basis}
    gap = gap_label(bases.pop()) if len(bases) == 1 else "generalization gap (train - test, else validation)"
    rows: list[tuple[str, list[str]]] = [
        ("status", [o.status for o in outcomes]),
        ("spec met", ["yes" if o.met else "no" for o in outcomes]),
        ("steps", [fmt(o.steps) for o in outcomes]),
        ("steps to converge", [fmt(o.steps_to_converge) for o in outcomes]),
        ("train", [fmt(o.train) for o in outcomes]),
        ("validation", [fmt(o.validation) for o in outcomes]),
        ("test", [fmt(o.test) for o in outcomes]),
        (gap, [fmt(o.gap) for o in outcomes]),
        ("cost $", [fmt(o.cost_usd, 4) for o in outcomes]),
        ("tokens", [fmt(o.tokens) for o in outcomes]),
        ("alerts", [fmt(o.alerts) for o in outcomes]),
    ]
    metrics = sorted({k for o in outcomes for k in o.quality})
    rows += [(f"quality: {m}", [metric_text(m, o.quality.get(m)) for o in outcomes]) for m in metrics]
    for label, values in rows:
        table.add_row(label, *values)
    return table


def curves_table(summaries: Sequence[Mapping[str, Any]]) -> Table:
    """A replay's curves start at the step it replays from, so they line up with its parent's."""
    table = Table(title="curves (one character per step, 0..1)")
    width = max((len(s["run"]["id"]) for s in summaries), default=0)
    table.add_column("run", no_wrap=True, min_width=width)
    for column in ("train", "validation", "loss"):
        table.add_column(column)
    for s in summaries:
        c = curves(s, align_replay=True)
        table.add_row(s["run"]["id"], sparkline(c["train"]), sparkline(c["validation"]), sparkline(c["loss"]))
    return table


def groups_table(groups: Sequence[FingerprintGroup]) -> Table:
    table = Table(title="by harness fingerprint: mean [95% bootstrap CI]")
    for column in ("fingerprint", "runs", "met", "steps to converge", "validation", "test", "cost $"):
        table.add_column(column)
    for g in groups:
        e = g.estimates
        table.add_row(
            g.fingerprint,
            str(len(g.runs)),
            _estimate(e.get("met")),
            _estimate(e.get("steps_to_converge"), 1),
            _estimate(e.get("validation")),
            _estimate(e.get("test")),
            _estimate(e.get("cost_usd"), 4),
        )
    return table


def compare_view(summaries: Sequence[Mapping[str, Any]]) -> RenderableType:
    outcomes = [run_outcome(s) for s in summaries]
    parts: list[RenderableType] = [
        settings_table(summaries),
        outcomes_table(outcomes),
        curves_table(summaries),
    ]
    groups = group_by_fingerprint(outcomes)
    if len(groups) < len(outcomes):  # some runs share settings: averages mean something
        parts.append(groups_table(groups))
    return Group(*parts)


def _estimate(estimate: Estimate | None, digits: int = 2) -> str:
    if estimate is None:
        return "-"
    if estimate.n == 1:
        return f"{estimate.mean:.{digits}f} (n=1)"
    return (
        f"{estimate.mean:.{digits}f} [{estimate.low:.{digits}f}, {estimate.high:.{digits}f}] (n={estimate.n})"
    )


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
