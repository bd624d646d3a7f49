"""A sweep's HTML page: the leaderboard with intervals, the per-task grid, the settings that differ.
Self-contained (inline CSS), like `codefit report`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

FIGURES = ("met_share", "val_score", "test_score", "gap", "cost_usd", "seconds")


def render_sweep(summary: dict[str, Any], trials: list[dict[str, Any]]) -> str:
    settings = summary["settings"]
    keys = sorted({k for s in settings for k in s["values"]})
    differing = [k for k in keys if len({repr(s["values"].get(k)) for s in settings}) > 1] or keys
    grid: dict[str, dict[str, dict[str, Any]]] = {}
    for t in trials:
        grid.setdefault(t["task"], {})[t["setting_id"]] = {
            "status": t["status"],
            "val": (t.get("metrics") or {}).get("val_score"),
        }
    env = Environment(autoescape=True, undefined=StrictUndefined)
    template = env.from_string(_asset("templates/sweep.html.j2"))
    return template.render(
        sweep=summary["sweep"],
        settings=settings,
        differing=differing,
        figures=FIGURES,
        best=summary["best_by_validation"],
        note=summary["note"],
        grid=grid,
        winners=summary["winners"],
        pairs=summary["pairs"],
        css=_asset("static/report.css"),
    )


def write_sweep_page(summary: dict[str, Any], trials: list[dict[str, Any]], output: Path) -> Path:
    output.write_text(render_sweep(summary, trials), encoding="utf-8")
    return output


def _asset(name: str) -> str:
    return resources.files("codefit.report").joinpath(name).read_text(encoding="utf-8")
