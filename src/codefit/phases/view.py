"""A phased run's phases as terminal lines (under `codefit show`, `fit` and `demo`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def phase_lines(phases: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for p in phases:
        runs = p["sub_runs"]
        head = (
            f"phase {p['idx']} {p['name']} ({p['kind']}): {p['status']}, {len(runs)} run(s), "
            f"{p['steps']} step(s), ${p['cost_usd']:.4f}"
        )
        if p.get("outcome"):
            head += f" - {p['outcome']}"
        lines.append(head)
        for sub in runs:
            what = f"{sub['item']}: " if sub.get("item") else ""
            why = sub["stop_reason"] or "-"
            lines.append(f"  {what}run {sub['run']} {sub['status']} in {sub['steps']} step(s) ({why})")
        if p.get("handoff"):
            lines.append(f"  handed over: {', '.join(p['handoff'])}")
    return lines
