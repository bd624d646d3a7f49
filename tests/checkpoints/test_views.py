"""The views of checkpoint series that need no run: several series side by side (`compare`), and
checkpoints met per setting in `codefit sweep show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from typer.testing import CliRunner

from codefit.checkpoints.sweep_view import sweep_checkpoints
from codefit.checkpoints.view import series_side_by_side
from codefit.cli import app
from codefit.experiments.sweep import SWEEPS_DIR


def row(index: int, name: str, met: bool, forgetting: int = 0) -> dict[str, Any]:
    return {
        "index": index,
        "name": name,
        "met": met,
        "steps": 1,
        "val_score": 1.0,
        "test_score": None,
        "forgetting": forgetting,
    }


def test_series_side_by_side_has_one_row_per_checkpoint() -> None:
    first = {"series": "S1", "checkpoints": [row(1, "parse", True), row(2, "totals", True)]}
    second = {"series": "S2", "checkpoints": [row(1, "parse", True), row(2, "totals", False, forgetting=2)]}
    third = {"series": "S3", "checkpoints": [row(1, "parse", False)]}  # stopped after its first
    console = Console(width=240, record=True)
    console.print(series_side_by_side([first, second, third]))
    lines = console.export_text().splitlines()
    totals = next(line for line in lines if "totals" in line)
    assert "met, 1 step(s), val 1.00, test -, forgot 0" in totals
    assert "NOT met, 1 step(s), val 1.00, test -, forgot 2" in totals
    assert totals.rstrip(" │").endswith("-")  # S3 has no second checkpoint
    assert "series S3" in "\n".join(lines[:4])


def trial(setting: str, task: str, repeat: int, metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": f"{setting}/{task}/{repeat}",
        "setting_id": setting,
        "setting": {"max_steps": int(setting[1:])},
        "task": task,
        "repeat": repeat,
        "status": "met",
        "run_id": f"run-{setting}-{task}-{repeat}",
        "metrics": {"val_score": 1.0, "test_score": 1.0, "cost_usd": 0.0, **metrics},
        "seconds": 1.0,
        "attempts": 1,
        "error": None,
    }


def test_sweep_show_reports_checkpoints_met_per_setting(tmp_path: Path) -> None:
    store = tmp_path / ".codefit"
    folder = store / SWEEPS_DIR / "20261203-000000-abcd"
    folder.mkdir(parents=True)
    spec = {"suite_name": "long", "tasks": ["inventory", "plain"]}
    (folder / "sweep.json").write_text(json.dumps({"spec": spec, "status": "finished", "updated": 1.0}))
    trials = [
        trial("s1", "inventory", 0, {"checkpoints_met": 1, "checkpoints": 3, "forgetting": 0}),
        trial("s1", "inventory", 1, {"checkpoints_met": 2, "checkpoints": 3, "forgetting": 1}),
        trial("s3", "inventory", 0, {"checkpoints_met": 3, "checkpoints": 3, "forgetting": 0}),
        trial("s3", "plain", 0, {}),  # a task without checkpoints: not in the checkpoints view
    ]
    (folder / "trials.jsonl").write_text("".join(json.dumps(t) + "\n" for t in trials))

    shown = CliRunner().invoke(app, ["sweep", "show", "latest", "--store", str(store)])
    assert shown.exit_code == 0, shown.output
    assert "s1         inventory: 1.5/3 met, forgot 0.5 (2 run(s))" in shown.output
    assert "s3         inventory: 3.0/3 met, forgot 0.0 (1 run(s))" in shown.output
    as_json = CliRunner().invoke(app, ["sweep", "show", "latest", "--json", "--store", str(store)])
    rows = json.loads(as_json.stdout)["checkpoints"]
    assert [(r["setting"], r["task"], r["checkpoints_met"]) for r in rows] == [
        ("s1", "inventory", 1.5),
        ("s3", "inventory", 3.0),
    ]
    assert sweep_checkpoints(trials[3:]) == []
