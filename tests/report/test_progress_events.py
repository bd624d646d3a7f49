"""Progress notes (codefit.progress): sensors, the search rate, agent output; the printer shows them."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from rich.console import Console

from codefit.optimizers.command import CommandOptimizer, CommandOptimizerOptions
from codefit.progress import OutputNotes, ProgressKind, RateNote, gist, measured, note
from codefit.report.heartbeat import ProgressListener
from codefit.report.terminal import ProgressPrinter
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.command import CommandOptions, CommandSensor
from codefit.sensors.process import run_bounded
from tests.conftest import MakeRepo, bare_step_state


def heard() -> tuple[ProgressListener, list[tuple[ProgressKind, str]]]:
    notes: list[tuple[ProgressKind, str]] = []
    return ProgressListener(lambda kind, text: notes.append((kind, text))), notes


def test_a_measured_sensor_says_when_it_starts_and_how_it_ended(tmp_path: Path) -> None:
    sensor = CommandSensor(
        SensorSettings(name="lint", kind="command"), CommandOptions(command=f"{sys.executable} -c 'exit(1)'")
    )
    listener, notes = heard()
    listener.attach()
    try:
        reading = measured(sensor, tmp_path, SensorContext(python=sys.executable))
    finally:
        listener.detach()
    assert reading.passed is False
    assert [k for k, _ in notes] == [ProgressKind.SENSOR, ProgressKind.SENSOR]
    assert notes[0][1] == "sensor lint (train): running..."
    assert notes[1][1].startswith("sensor lint (train): FAIL 0.00")


def test_nothing_is_noted_without_a_listener(tmp_path: Path) -> None:
    listener, notes = heard()
    note(ProgressKind.SEARCH, "unheard")
    listener.attach()
    note(ProgressKind.SEARCH, "heard")
    listener.detach()
    note(ProgressKind.SEARCH, "unheard again")
    assert notes == [(ProgressKind.SEARCH, "heard")]


def test_the_search_rate_is_noted_at_most_every_period() -> None:
    listener, notes = heard()
    listener.attach()
    try:
        rate = RateNote("search: candidates", every_s=0.0)
        rate.add(8)
        rate.add(4)
        quiet = RateNote("search: candidates", every_s=3600.0)
        quiet.add(100)
    finally:
        listener.detach()
    assert [text.split(",")[0] for _, text in notes] == [
        "search: candidates: 8 so far",
        "search: candidates: 12 so far",
    ]
    assert all(text.endswith("/s") for _, text in notes)


def test_an_agents_output_is_streamed_as_it_comes_one_note_per_line(tmp_path: Path) -> None:
    event = json.dumps(
        {"type": "assistant", "message": {"content": [{"type": "text", "text": "Fixing  add"}]}}
    )
    script = f"import sys, time\nprint({event!r}, flush=True)\nprint('plain line', flush=True)\n"
    listener, notes = heard()
    listener.attach()
    try:
        done = run_bounded(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env={},
            timeout_s=60,
            on_output=OutputNotes("claude").feed,
        )
    finally:
        listener.detach()
    assert done.returncode == 0 and "plain line" in done.stdout, "the output is still captured whole"
    assert notes == [
        (ProgressKind.OUTPUT, "claude: assistant: Fixing add"),
        (ProgressKind.OUTPUT, "claude: plain line"),
    ]


def test_gist_keeps_plain_lines_and_names_json_events() -> None:
    assert gist("Applied edit to calc.py") == "Applied edit to calc.py"
    assert gist('{"type": "turn.completed", "usage": {"input_tokens": 3}}') == "turn.completed"
    assert gist('{"type": "item.started", "item": {"command": "pytest -q"}}') == "item.started: pytest -q"


def test_in_a_pipe_sensor_notes_are_lines_and_the_rest_only_feeds_the_heartbeat() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    with ProgressPrinter(console, 2, heartbeat_s=3600) as printer:
        note(ProgressKind.SENSOR, "sensor unit (train): running...")
        printer.on_run_begin({"run_id": "r1"})
        printer.on_step_begin(1, {})
        note(ProgressKind.SEARCH, "search: candidates: 40 so far, 20/s")
        assert printer._doing()[0].endswith("latest: search: candidates: 40 so far, 20/s")
        note(ProgressKind.OUTPUT, "claude: assistant: Fixing add")
        assert printer._doing()[0].endswith("latest: claude: assistant: Fixing add")
    text = out.getvalue()
    assert "sensor unit (train): running..." in text
    assert "Fixing add" not in text and "so far" not in text
    note(ProgressKind.SENSOR, "after the run")
    assert "after the run" not in out.getvalue(), "the printer stops listening when it closes"


def test_the_command_optimizers_output_is_streamed_too(make_repo: MakeRepo, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "task.md").write_text("the task")
    (run_dir / "feedback-1.md").write_text("")
    repo = make_repo({"a.py": "x = 1\n"})
    state = bare_step_state(repo, run_dir)
    listener, notes = heard()
    listener.attach()
    try:
        CommandOptimizer(CommandOptimizerOptions(command="echo working on it")).step(state)
    finally:
        listener.detach()
    assert (ProgressKind.OUTPUT, "command: working on it") in notes
