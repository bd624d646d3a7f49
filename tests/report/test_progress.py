"""What a person waiting on `codefit fit` sees: the baseline's start, a heartbeat in a pipe, Ctrl-C."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console

from codefit.report.heartbeat import elapsed
from codefit.report.terminal import ProgressPrinter


def pipe() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def wait_for_text(out: io.StringIO, text: str) -> str:
    deadline = time.monotonic() + 10
    while text not in out.getvalue():
        assert time.monotonic() < deadline, f"never printed {text!r}: {out.getvalue()!r}"
        time.sleep(0.01)
    return out.getvalue()


def test_in_a_pipe_a_heartbeat_says_what_runs_until_the_printer_closes() -> None:
    console, out = pipe()
    with ProgressPrinter(console, 3, heartbeat_s=0.01) as printer:
        assert out.getvalue().startswith("baseline: measuring the base tree...")
        wait_for_text(out, "... baseline: sensors running on the base tree (")
        printer.on_run_begin({"run_id": "20260101-000000-abcd", "loss": 1.0})
        printer.on_step_begin(1, {})
        wait_for_text(out, "... step 1/3: optimizer and sensors running (")
    closed = out.getvalue()
    assert printer.heartbeat._thread is None and out.getvalue() == closed, "no beat after close"


def test_on_a_terminal_the_live_view_shows_progress_and_no_heartbeat_runs() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    with ProgressPrinter(console, 3, heartbeat_s=0.01) as printer:
        assert printer.heartbeat._thread is None


def test_ctrl_c_mid_step_says_what_was_interrupted_and_how_to_resume() -> None:
    console, out = pipe()
    with pytest.raises(KeyboardInterrupt), ProgressPrinter(console, 5) as printer:
        printer.on_run_begin({"run_id": "20260101-000000-abcd"})
        printer.on_step_begin(1, {})
        printer.on_step_end(1, {"status": "edited"})
        printer.on_step_begin(2, {})
        raise KeyboardInterrupt
    text = out.getvalue()
    assert "interrupted during step 2 of run 20260101-000000-abcd" in text
    assert text.rstrip().endswith("continue with: codefit fit --resume 20260101-000000-abcd")


def test_ctrl_c_of_a_resumed_run_between_steps_names_that_run() -> None:
    console, out = pipe()
    with (
        pytest.raises(KeyboardInterrupt),
        ProgressPrinter(console, 5, run_id="20260101-000000-beef") as printer,
    ):
        assert "baseline" not in out.getvalue()
        printer.on_step_begin(3, {})
        printer.on_step_end(3, {"status": "edited"})
        raise KeyboardInterrupt
    assert "interrupted after step 3 of run 20260101-000000-beef" in out.getvalue()


def test_ctrl_c_during_the_baseline_says_there_is_nothing_to_resume() -> None:
    console, out = pipe()
    with pytest.raises(KeyboardInterrupt), ProgressPrinter(console, 5):
        raise KeyboardInterrupt
    assert "interrupted during the baseline: no step was taken; run `codefit fit` again" in out.getvalue()


def test_elapsed_reads_as_seconds_minutes_hours() -> None:
    assert [elapsed(s) for s in (5, 65, 3720)] == ["5s", "1m05s", "1h02m"]
