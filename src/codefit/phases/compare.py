"""Phased runs side by side (`codefit compare`): one row per phase, one column per run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table


def phases_by_run(summaries: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{run id: its phases} for the compared runs that are phased (the JSON of `compare`)."""
    return {s["run"]["id"]: list(s["phases"]) for s in summaries if s.get("phases")}


def phases_table(by_run: Mapping[str, Sequence[Mapping[str, Any]]]) -> Table:
    """Each phase (by position) with, per run, its status, runs, steps and cost."""
    table = Table(title="phases", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("phase")
    for run_id in by_run:
        table.add_column(run_id)
    depth = max((len(p) for p in by_run.values()), default=0)
    for i in range(depth):
        names = dict.fromkeys(f"{p[i]['name']} ({p[i]['kind']})" for p in by_run.values() if len(p) > i)
        cells = [_cell(phases[i]) if len(phases) > i else "-" for phases in by_run.values()]
        table.add_row(str(i + 1), " / ".join(names), *cells)
    return table


def _cell(phase: Mapping[str, Any]) -> str:
    return (
        f"{phase['status']}: {len(phase['sub_runs'])} run(s), {phase['steps']} step(s), "
        f"${phase['cost_usd']:.4f}"
    )
