"""A checkpoint series shown: the rows `show --json` carries, the terminal table, the report's table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group
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


def checkpoints_table(rows: Sequence[Mapping[str, Any]], title: str = "checkpoints") -> Group:
    """The outcome of each checkpoint, then its quality at its end with the change since the previous one."""
    table = Table(title=title, title_justify="left")
    for column in ("#", "checkpoint", "run", "met", "steps", "cost $", "train", "val", "test", "forgot"):
        table.add_column(column, justify="left" if column in ("checkpoint", "run") else "right")
    quality = Table(
        title="quality at each checkpoint's end (Δ: since the previous end)", title_justify="left"
    )
    quality.add_column("#", justify="right")
    quality.add_column("checkpoint")
    for key in QUALITY_KEYS:
        quality.add_column(key, justify="right")
        quality.add_column("Δ", justify="right")
    for row in rows:
        figures, drift = row.get("quality") or {}, row.get("drift") or {}
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
        )
        cells = [(_value(figures.get(k)), _delta(drift.get(k))) for k in QUALITY_KEYS]
        quality.add_row(str(row["index"]), str(row["name"]), *(c for pair in cells for c in pair))
    return Group(table, quality)


def series_side_by_side(series: Sequence[Mapping[str, Any]]) -> Table:
    """Several series compared: each checkpoint (by position) with, per series, whether it was met,
    its steps, validation and test scores, and the earlier tests it forgot."""
    table = Table(title="checkpoints side by side", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("checkpoint")
    for one in series:
        table.add_column(f"series {one['series']}")
    depth = max((len(one["checkpoints"]) for one in series), default=0)
    for i in range(depth):
        rows = [one["checkpoints"][i] if len(one["checkpoints"]) > i else None for one in series]
        names = " / ".join(dict.fromkeys(str(r["name"]) for r in rows if r is not None))
        table.add_row(str(i + 1), names, *(_side_cell(r) for r in rows))
    return table


def _side_cell(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return "-"
    met = "met" if row["met"] else "NOT met"
    return (
        f"{met}, {row['steps']} step(s), val {_score(row.get('val_score'))}, "
        f"test {_score(row.get('test_score'))}, forgot {row['forgetting']}"
    )


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
        "<table class='data checkpoints'><thead><tr>",
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


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _delta(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _figure(value: float | None, delta: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if delta is None else f"{value:.3f} ({delta:+.3f})"


def series_of_runs(store: Store, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The series (each once, in the runs' order) that any of `run_ids` is a checkpoint of."""
    found: dict[str, dict[str, Any]] = {}
    for run_id in run_ids:
        summary = series_summary(store, run_id)
        if summary is not None and summary["series"] not in found:
            found[summary["series"]] = summary
    return list(found.values())


def report_section(series: Sequence[Mapping[str, Any]]) -> str:
    """The report's checkpoints section: one table per series ("" when no run is a checkpoint)."""
    from markupsafe import escape

    return "".join(
        f"<h2>checkpoints of series {escape(s['series'])}</h2>{checkpoints_html(s['checkpoints'])}"
        for s in series
    )


def series_metrics(series: SeriesRecord) -> dict[str, Any]:
    """A sweep trial's metrics for a task with checkpoints: the last checkpoint's scores, the
    series' steps and cost, how many checkpoints were met and how many tests were forgotten."""
    last = series.checkpoints[-1] if series.checkpoints else None
    return {
        "met": series.met,
        "train_score": last.train_score if last else None,
        "val_score": last.val_score if last else None,
        "test_score": last.test_score if last else None,
        "gap": None,
        "cheating_rate": None,
        "cost_usd": sum(c.cost_usd for c in series.checkpoints),
        "steps": sum(c.steps for c in series.checkpoints),
        "checkpoints_met": sum(1 for c in series.checkpoints if c.met),
        "checkpoints": series.count,
        "forgetting": sum(c.forgetting for c in series.checkpoints),
    }
