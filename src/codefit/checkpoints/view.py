"""A checkpoint series shown: the rows `show --json` carries, the terminal table, the report's table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from codefit.checkpoints.boundary import QUALITY_KEYS
from codefit.checkpoints.record import SeriesRecord, series_of_run
from codefit.store import Store


def checkpoint_rows(series: SeriesRecord) -> list[dict[str, Any]]:
    """One JSON-ready row per finished checkpoint (the per-boundary test outcomes left out)."""
    return [c.model_dump(mode="json", exclude={"outcomes"}) for c in series.checkpoints]


def series_summary(store: Store, run_id: str) -> dict[str, Any] | None:
    """{"series", "status", "met", "count", "checkpoints"} for a run that is one checkpoint of a
    series, else None."""
    series = series_of_run(store, run_id)
    if series is None:
        return None
    return {
        "series": series.id,
        "status": series.status,
        "met": series.met,
        "count": series.count,
        "start_quality": series.start_quality,
        "checkpoints": checkpoint_rows(series),
    }


def checkpoints_table(rows: Sequence[Mapping[str, Any]], title: str = "checkpoints") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("#", "checkpoint", "run", "met", "steps", "cost $", "train", "val", "test", "forgot"):
        table.add_column(column, justify="left" if column in ("checkpoint", "run") else "right")
    for key in QUALITY_KEYS:
        table.add_column(f"{key} (Δ)", justify="right")
    for row in rows:
        quality, drift = row.get("quality") or {}, row.get("drift") or {}
        table.add_row(
            str(row["index"]),
            str(row["name"]),
            str(row["run_id"]),
            "yes" if row["met"] else "NO",
            str(row["steps"]),
            f"{row.get('cost_usd') or 0.0:.4f}",
            _score(row.get("train_score")),
            _score(row.get("val_score")),
            _score(row.get("test_score")),
            str(row["forgetting"]) if not row["forgetting"] else f"[bold red]{row['forgetting']}[/]",
            *(_figure(quality.get(k), drift.get(k)) for k in QUALITY_KEYS),
        )
    return table


def forgetting_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Which earlier tests each checkpoint broke."""
    lines = []
    for row in rows:
        for test in row.get("forgotten") or []:
            lines.append(f"forgotten at checkpoint {row['index']} ({row['name']}): {test}")
    return lines


def checkpoints_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """The per-checkpoint table as an HTML fragment (escaped) for the report."""
    from markupsafe import escape

    head = ["#", "checkpoint", "run", "met", "steps", "cost $", "val", "test", "forgetting", *QUALITY_KEYS]
    out = [
        "<table class='checkpoints'><thead><tr>",
        *(f"<th>{escape(h)}</th>" for h in head),
        "</tr></thead><tbody>",
    ]
    for row in rows:
        quality, drift = row.get("quality") or {}, row.get("drift") or {}
        cells = [
            row["index"],
            row["name"],
            row["run_id"],
            "yes" if row["met"] else "no",
            row["steps"],
            f"{row.get('cost_usd') or 0.0:.4f}",
            _score(row.get("val_score")),
            _score(row.get("test_score")),
            "; ".join([str(row["forgetting"]), *(row.get("forgotten") or [])]),
            *(_figure(quality.get(k), drift.get(k)) for k in QUALITY_KEYS),
        ]
        out.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _score(value: Any) -> str:
    return "-" if value is None else f"{float(value):.2f}"


def _figure(value: float | None, delta: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if delta is None else f"{value:.3f} ({delta:+.3f})"
