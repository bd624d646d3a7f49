"""A phased run's phases shown: one line each under `codefit show` (and `fit`, `demo`), one table
per phased run in `codefit report`, and one phase in full with `codefit show RUN --phase N`: its
outcome, cost, handed-over files, and each of its runs' steps (the feedback received, the
transcript, the feedback produced)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from codefit.errors import StoreError
from codefit.phases.records import phase_summaries, phased_run_of, stored_phases
from codefit.store import Store


def phase_lines(phases: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for p in phases:
        lines.append(_head(p))
        for sub in p["sub_runs"]:
            lines.append(f"  {_sub_line(sub)}")
        if p.get("handoff"):
            lines.append(f"  handed over: {', '.join(p['handoff'])}")
    if phases:
        run = phases[0].get("run_id", "RUN")
        lines.append(f"each phase's transcripts: codefit show {run} --phase N")
    return lines


def report_section(phases_by_run: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """The report's phases section, escaped: one table per phased run ("" when no run has phases).
    A phased run has no steps of its own: without it, its report would show an empty run."""
    from markupsafe import escape

    head = ["#", "phase", "kind", "status", "time s", "steps", "cost $", "outcome", "runs", "handed over"]
    out = []
    for run_id, phases in phases_by_run.items():
        if not phases:
            continue
        out += [
            f"<h2>phases of run {escape(run_id)}</h2><table class='data phases'><thead><tr>",
            *(f"<th>{escape(h)}</th>" for h in head),
            "</tr></thead><tbody>",
        ]
        for p in phases:
            took = f"{p['ended'] - p['started']:.1f}" if p.get("ended") else "-"
            cells = [p["idx"], p["name"], p["kind"], p["status"], took, p["steps"], f"{p['cost_usd']:.4f}"]
            cells += [p.get("outcome") or "-"]
            out.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells))
            out.append(f"<td>{'<br>'.join(str(escape(_sub_line(sub))) for sub in p['sub_runs'])}</td>")
            out.append(f"<td>{escape(', '.join(p.get('handoff') or []) or '-')}</td></tr>")
        out.append("</tbody></table>")
    if out:
        run = next(iter(r for r, phases in phases_by_run.items() if phases))
        out.append(f"<p class='hint'>each phase's transcripts: codefit show {escape(run)} --phase N</p>")
    return "".join(out)


def parent_line(store: Store, run_id: str) -> list[str]:
    """For a sub-run of a phased run: which phase of which run it is ([] for any other run)."""
    parent = phased_run_of(store, run_id)
    if parent is None:
        return []
    phase = next(p for p in stored_phases(store, parent) if any(s.run == run_id for s in p.sub_runs))
    return [f"a run of phase {phase.idx} ({phase.name}) of phased run {parent}: codefit show {parent}"]


def phase_detail(store: Store, run_id: str, index: int) -> dict[str, Any]:
    """Phase `index` (1-based) of the run with its handed-over files' text and, per sub-run, each
    step's feedback, transcript and outcome under `trajectory` (the JSON of `show --phase`)."""
    from codefit.report.trajectory import run_trajectory

    phases = phase_summaries(store, run_id)
    if not 1 <= index <= len(phases):
        count = f"phases 1 to {len(phases)}" if phases else "no phases"
        raise StoreError(f"run {run_id} has no phase {index} ({count})")
    phase = dict(phases[index - 1])
    phase["handed_over"] = {path: store.blobs.text(blob) for path, blob in phase["handoff"].items()}
    runs = []
    for sub in phase["sub_runs"]:
        trajectory = run_trajectory(store, store.run(sub["run"]))
        runs.append({**sub, "trajectory": [s for s in trajectory["steps"] if s["index"] > 0]})
    phase["sub_runs"] = runs
    return phase


def phase_view(phase: Mapping[str, Any]) -> RenderableType:
    """`phase_detail` for the terminal."""
    from codefit.report.log_view import log_view

    parts: list[RenderableType] = [Text(_head(phase), style="bold")]
    for path, text in phase["handed_over"].items():
        parts.append(Panel(Text(text), title=f"handed over: {path}", title_align="left"))
    for sub in phase["sub_runs"]:
        parts.append(Text(_sub_line(sub), style="bold"))
        parts.extend(log_view(sub["run"], step) for step in sub["trajectory"])
    return Group(*parts)


def _head(p: Mapping[str, Any]) -> str:
    took = f" in {p['ended'] - p['started']:.1f} s" if p.get("ended") else ""
    head = (
        f"phase {p['idx']} {p['name']} ({p['kind']}): {p['status']}{took}, {len(p['sub_runs'])} run(s), "
        f"{p['steps']} step(s), ${p['cost_usd']:.4f}"
    )
    return f"{head} - {p['outcome']}" if p.get("outcome") else head


def _sub_line(sub: Mapping[str, Any]) -> str:
    what = f"{sub['item']}: " if sub.get("item") else ""
    why = sub["stop_reason"] or "-"
    return f"{what}run {sub['run']} {sub['status']} in {sub['steps']} step(s), ${sub['cost_usd']:.4f} ({why})"
