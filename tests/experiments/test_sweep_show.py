"""`codefit sweep show` on a recorded sweep: the JSON the issue names, and the page beside it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from codefit.cli import app
from codefit.experiments.sweep import SWEEPS_DIR


def recorded_sweep(store: Path) -> str:
    """A finished sweep's records: two settings over two tasks (as `run_sweep` writes them)."""
    sweep_id = "20261202-120000-abcd"
    folder = store / SWEEPS_DIR / sweep_id
    folder.mkdir(parents=True)
    spec = {"suite_name": "mini", "tasks": ["a", "b"], "settings": [{"max_steps": 1}, {"max_steps": 3}]}
    (folder / "sweep.json").write_text(json.dumps({"spec": spec, "status": "finished", "updated": 1.0}))
    lines = []
    for sid, steps, met in (("s1", 1, ("met", "not_met")), ("s3", 3, ("met", "met"))):
        for task, status in zip(("a", "b"), met, strict=True):
            metrics = {"val_score": 1.0 if status == "met" else 0.5, "test_score": 1.0, "gap": 0.0}
            lines.append(
                {
                    "key": f"{sid}/{task}/0",
                    "setting_id": sid,
                    "setting": {"max_steps": steps},
                    "task": task,
                    "repeat": 0,
                    "status": status,
                    "run_id": f"run-{sid}-{task}",
                    "metrics": {**metrics, "cost_usd": 0.0},
                    "seconds": 2.0,
                    "attempts": 1,
                    "error": None,
                }
            )
    (folder / "trials.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return sweep_id


def test_show_json_with_a_page_keeps_stdout_one_json_object(tmp_path: Path) -> None:
    sweep_id = recorded_sweep(tmp_path / ".codefit")
    page = tmp_path / "sweep.html"
    result = CliRunner().invoke(
        app, ["sweep", "show", "latest", "--json", "--html", str(page), "--store", str(tmp_path / ".codefit")]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # the "wrote" note goes to stderr
    assert f"wrote {page}" in result.stderr and summary["sweep"]["id"] == sweep_id
    settings = {s["values"]["max_steps"]: s for s in summary["settings"]}
    assert settings[1]["met_share"]["mean"] == 0.5 and settings[3]["met_share"]["mean"] == 1.0
    for setting in settings.values():
        for figure in ("met_share", "val_score", "test_score", "gap", "cost_usd", "seconds"):
            assert set(setting[figure]) == {"mean", "ci_low", "ci_high"}
    assert summary["best_by_validation"] == "s3"
    assert "<td>a</td>" in page.read_text() and "<td>b</td>" in page.read_text()
