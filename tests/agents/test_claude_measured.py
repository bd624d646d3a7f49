"""Claude Code's behaviour as measured with the real claude 2.1.332 (tests/real_agents), replayed:
limit results, synthetic API errors, the running cost after --resume, guessed prices, IS_SANDBOX.

The lines below are trimmed from that CLI's own stream-json output against the scripted server
(tests/real_agents/server); the end-to-end tests there run the binary itself."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from agents_support import MakeState

from codefit.optimizers.agents.claude_stream import parse_claude_stream
from codefit.optimizers.base import StepStatus
from codefit.optimizers.claude_code import ClaudeCodeOptimizer, ClaudeCodeOptions
from tests.conftest import needs_bwrap

SESSION = "11111111-2222-3333-4444-555555555555"


def synthetic(error: str, status: int, text: str) -> dict[str, Any]:
    message = {
        "id": "x",
        "model": "<synthetic>",
        "role": "assistant",
        "content": [{"type": "text", "text": text}],
    }
    return {
        "type": "assistant",
        "message": message,
        "session_id": SESSION,
        "error": error,
        "is_api_error_message": True,
        "api_error_status": status,
    }


def result(**fields: Any) -> dict[str, Any]:
    base = {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "session_id": SESSION,
        "num_turns": 1,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    }
    return {**base, **fields}


def model_usage(cost: float, basis: str = "list") -> dict[str, Any]:
    return {
        "claude-sonnet-4-5": {"inputTokens": 3000, "outputTokens": 300, "costUSD": cost, "costBasis": basis}
    }


def lines(*objs: dict[str, Any]) -> str:
    return "\n".join(json.dumps(o) for o in objs) + "\n"


AUTH = lines(
    synthetic("authentication_failed", 401, "Failed to authenticate. API Error: 401 invalid x-api-key"),
    result(
        is_error=True,
        api_error_status=401,
        api_error_type="authentication_error",
        result="Failed to authenticate. API Error: 401 invalid x-api-key",
        terminal_reason="api_error",
    ),
)
RATE = lines(
    synthetic("rate_limit", 429, "API Error: Request rejected (429) · slow down"),
    result(
        is_error=True,
        api_error_status=429,
        api_error_type="rate_limit_error",
        result="API Error: Request rejected (429) · slow down",
    ),
)
MAX_TURNS = lines(
    result(
        subtype="error_max_turns",
        is_error=True,
        errors=["Reached maximum number of turns (1)"],
        terminal_reason="max_turns",
        total_cost_usd=0.0006,
        usage={"input_tokens": 100, "output_tokens": 20},
    ),
)


def test_a_synthetic_authentication_failure_is_named_as_such_not_as_a_rate_limit() -> None:
    stream = parse_claude_stream(AUTH)
    assert stream.error is not None
    assert stream.error.startswith("authentication failed (HTTP 401): Failed to authenticate")
    assert "rate limit" not in stream.error


def test_a_synthetic_rate_limit_is_a_rate_limit() -> None:
    stream = parse_claude_stream(RATE)
    assert stream.error is not None and stream.error.startswith("rate limited (HTTP 429)")


def test_an_error_result_without_a_result_text_reports_its_errors() -> None:
    stream = parse_claude_stream(
        lines(result(subtype="error_during_execution", is_error=True, errors=["Tool crashed: boom"]))
    )
    assert stream.error is not None and "Tool crashed: boom" in stream.error


def test_a_max_turns_result_is_a_limit_with_its_reason_not_an_error() -> None:
    stream = parse_claude_stream(MAX_TURNS)
    assert stream.error is None
    assert stream.limit_reached == "max_turns (Reached maximum number of turns (1))"


def test_every_permission_mode_of_the_cli_is_accepted() -> None:
    for mode in ("acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan", "default"):
        assert ClaudeCodeOptions(permission_mode=mode).permission_mode == mode  # type: ignore[arg-type]


# --- whole steps, with a stand-in binary that prints recorded lines and exits like the CLI ---------


def scripted_claude(directory: Path, stdout: str, exit_code: int, edit: str | None = None) -> Path:
    """An executable `claude` that prints `stdout` (with @ENV@ replaced by its IS_SANDBOX), maybe
    fixes calc.py, and exits `exit_code`. It lives with its output, which the sandbox keeps visible."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "out.jsonl").write_text(stdout)
    program = directory / "claude"
    program.write_text(
        f"#!{sys.executable}\n"
        "import os, pathlib, sys\n"
        "here = pathlib.Path(__file__).parent\n"
        "text = (here / 'out.jsonl').read_text().replace('@ENV@', os.environ.get('IS_SANDBOX', 'unset'))\n"
        f"if {edit!r}:\n"
        f"    pathlib.Path('calc.py').write_text({edit!r})\n"
        "sys.stdout.write(text)\n"
        f"sys.exit({exit_code})\n"
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return program


def test_a_max_turns_step_keeps_its_edits_and_its_session(make_state: MakeState, tmp_path: Path) -> None:
    binary = scripted_claude(tmp_path / "bin", MAX_TURNS, 1, edit="def add(a, b):\n    return a + b\n")
    result = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(binary))).step(make_state())
    assert result.error is None and result.status == StepStatus.EDITED
    assert result.session["session_id"] == SESSION
    assert result.usage.cost_usd == pytest.approx(0.0006)


def test_a_max_turns_step_without_edits_gave_up_and_keeps_its_session(
    make_state: MakeState, tmp_path: Path
) -> None:
    binary = scripted_claude(tmp_path / "bin", MAX_TURNS, 1)
    result = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(binary))).step(make_state())
    assert result.status == StepStatus.GAVE_UP and result.session["session_id"] == SESSION


def test_a_resumed_step_records_its_own_cost_not_the_sessions_running_total(
    make_state: MakeState, tmp_path: Path
) -> None:
    first = lines(
        result(result="one", total_cost_usd=0.0045, usage={"input_tokens": 1000, "output_tokens": 100})
    )
    second = lines(
        result(result="two", total_cost_usd=0.014775, usage={"input_tokens": 2000, "output_tokens": 200})
    )
    step1 = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(scripted_claude(tmp_path / "a", first, 0))))
    done = step1.step(make_state())
    assert done.usage.cost_usd == pytest.approx(0.0045)
    step2 = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(scripted_claude(tmp_path / "b", second, 0))))
    again = step2.step(make_state(step=2, session=dict(done.session)))
    assert again.usage.cost_usd == pytest.approx(0.010275)
    assert (again.usage.input_tokens, again.usage.output_tokens) == (2000, 200)
    fresh = ClaudeCodeOptions(binary=str(scripted_claude(tmp_path / "c", second, 0)), context="reset")
    assert ClaudeCodeOptimizer(fresh).step(
        make_state(step=3, session=dict(again.session))
    ).usage.cost_usd == (
        pytest.approx(0.014775)  # a fresh session's total is its own
    )


def test_a_failed_resumed_step_counts_its_cost_once(make_state: MakeState, tmp_path: Path) -> None:
    """A resumed step that fails still adds to the session's total; the next step must not pay it."""
    totals = [("ok", 0.0045, False), ("API Error: 500", 0.006, True), ("ok", 0.010, False)]
    session: dict[str, Any] = {}
    costs = []
    for step, (text, total, failed) in enumerate(totals, start=1):
        out = lines(result(result=text, total_cost_usd=total, is_error=failed))
        binary = scripted_claude(tmp_path / f"bin{step}", out, 1 if failed else 0)
        done = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(binary))).step(make_state(step, session))
        assert (done.status == StepStatus.ERROR) == failed
        costs.append(done.usage.cost_usd)
        session = dict(done.session)
    assert costs == pytest.approx([0.0045, 0.0015, 0.004])


def test_a_price_claude_guessed_is_recorded_as_unknown_not_as_a_cost(
    make_state: MakeState, tmp_path: Path
) -> None:
    out = lines(result(result="ok", total_cost_usd=0.006, modelUsage=model_usage(0.006, basis="unknown")))
    step = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(scripted_claude(tmp_path / "bin", out, 0))))
    done = step.step(make_state())
    assert done.usage.cost_usd == 0.0
    notes = [e for e in done.transcript if e.data.get("cost_unknown")]
    assert len(notes) == 1 and "claude-sonnet-4-5" in notes[0].text


@needs_bwrap
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"permission_mode": "bypassPermissions"}, "1"),
        ({"skip_permissions": True}, "1"),
        ({"permission_mode": "acceptEdits"}, "unset"),
    ],
)
def test_bypassing_permissions_under_bubblewrap_tells_the_cli_it_is_sandboxed(
    make_state: MakeState,
    tmp_path: Path,
    options: dict[str, Any],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IS_SANDBOX", raising=False)
    out = lines(result(result="IS_SANDBOX=@ENV@", total_cost_usd=0.0))
    binary = scripted_claude(tmp_path / "bin", out, 0)
    done = ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(binary), **options)).step(make_state())
    assert done.summary == f"IS_SANDBOX={expected}"
