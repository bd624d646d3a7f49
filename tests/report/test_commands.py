"""The trajectory commands through typer, on real recorded runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from report_support import Project
from typer.testing import CliRunner

from codefit.commands.trajectory import register

app = typer.Typer()
register(app)
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        return 2, f"{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.output


def test_register_mounts_every_command() -> None:
    names = {c.name for c in app.registered_commands}
    assert names == {"diff", "log", "compare", "replay", "report", "ui", "export"}


def test_diff_prints_the_step_patch(project: Project) -> None:
    code, out = invoke("diff", project.first, "2", "--raw", "-C", str(project.repo))
    assert code == 0
    assert "-    if (a, b) == (1, 2):" in out and "+    return a + b" in out


def test_log_prints_feedback_and_transcript(project: Project) -> None:
    code, out = invoke("log", project.first, "1", "-C", str(project.repo))
    assert code == 0
    assert "feedback received" in out and "step 1: rewrote src/calc.py" in out


def test_an_unknown_step_is_an_error_naming_the_steps(project: Project) -> None:
    code, out = invoke("diff", project.first, "9", "-C", str(project.repo))
    assert code != 0
    assert "has no step 9" in out


def test_compare_json_carries_settings_outcomes_and_groups(project: Project) -> None:
    code, out = invoke("compare", project.first, project.second, "--json", "-C", str(project.repo))
    assert code == 0
    data = json.loads(out)
    assert data["settings"] == {}  # the same harness twice
    assert [o["run_id"] for o in data["outcomes"]] == [project.first, project.second]
    assert len(data["groups"]) == 1 and data["groups"][0]["estimates"]["met"]["n"] == 2


def test_compare_table_shows_the_sections(project: Project) -> None:
    code, out = invoke("compare", project.first, project.second, "-C", str(project.repo))
    assert code == 0
    for section in ("harness settings that differ", "outcomes", "curves", "by harness fingerprint"):
        assert section in out


def test_report_writes_one_self_contained_file(project: Project, tmp_path: Path) -> None:
    out_file = tmp_path / "r.html"
    code, out = invoke("report", project.first, project.second, "-o", str(out_file), "-C", str(project.repo))
    assert code == 0, out
    html = out_file.read_text()
    assert project.first in html and project.second in html
    assert "<script src" not in html and '<link rel="stylesheet"' not in html
    # nothing fetched from the network: no remote src/href, no CSS url() or @import
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "url(http" not in html and "@import" not in html


def test_export_jsonl_writes_an_event_log(project: Project, tmp_path: Path) -> None:
    out_file = tmp_path / "events.jsonl"
    code, out = invoke("export", project.first, "--to", "jsonl", "-o", str(out_file), "-C", str(project.repo))
    assert code == 0, out
    events = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert events[0]["event"] == "run" and events[-1]["event"] == "final"


def test_diff_into_a_pipe_is_the_raw_patch_unwrapped(project: Project) -> None:
    record = next(s for s in project.store.steps(project.first) if s.idx == 1)
    patch = project.store.blobs.text(record.diff_blob)
    code, out = invoke("diff", project.first, "1", "-C", str(project.repo))
    assert code == 0
    assert out == patch  # no syntax colouring, no wrapping, no padding


def test_compare_refuses_one_run_named_twice_and_counts_each_run_once(project: Project) -> None:
    code, out = invoke("compare", project.first, project.first, "-C", str(project.repo))
    assert code != 0 and "at least two different runs" in out
    code, out = invoke(
        "compare", project.first, project.second, project.first, "--json", "-C", str(project.repo)
    )
    assert code == 0
    assert [o["run_id"] for o in json.loads(out)["outcomes"]] == [project.first, project.second]


def test_every_command_summary_is_one_line_in_the_command_list() -> None:
    """Typer shows a command's first docstring paragraph as it is: a line break in it breaks the list."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    for name, command in group.commands.items():
        summary = (command.help or "").split("\n\n")[0]
        assert "\n" not in summary.strip(), name


def test_export_to_a_sqlite_uri_keeps_artifacts_beside_the_store_never_in_the_repo(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mlflow", reason="MLflow is an optional extra: pip install 'codefit[mlflow]'")
    monkeypatch.chdir(project.repo)
    uri = f"sqlite:///{tmp_path / 'tracking' / 'mlflow.db'}"
    (tmp_path / "tracking").mkdir()
    code, out = invoke("export", project.first, "--to", "mlflow", "--tracking-uri", uri)
    assert code == 0, out
    assert not (project.repo / "mlruns").exists()
    assert list((tmp_path / "tracking" / "mlartifacts").rglob("report.html"))
    chosen = tmp_path / "chosen"
    code, out = invoke(
        "export",
        project.first,
        "--to",
        "mlflow",
        "--tracking-uri",
        uri.replace("mlflow.db", "other.db"),
        "--artifact-location",
        chosen.as_uri(),
    )
    assert code == 0, out
    assert list(chosen.rglob("events.jsonl"))
    assert not (project.repo / "mlruns").exists()
