from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from agents_support import FIXTURES, FakeAgents, MakeState

from codefit.optimizers.agents import pricing
from codefit.optimizers.agents.codex_stream import parse_codex_stream
from codefit.optimizers.base import EventKind, StepStatus
from codefit.optimizers.codex import CodexOptimizer, CodexOptions


def test_recorded_stream_gives_thread_usage_and_normalised_items() -> None:
    text = (FIXTURES / "codex_stream.jsonl").read_text().replace("@THREAD@", "t-1").replace("@CWD@", "/w")
    stream = parse_codex_stream(text)
    assert stream.thread_id == "t-1"
    assert (stream.usage.input, stream.usage.cached, stream.usage.output) == (24763, 24448, 122)
    assert stream.final_text == "Fixed add() in calc.py; the checks pass."
    commands = [e for e in stream.events if e.kind == EventKind.COMMAND]
    assert len(commands) == 1 and commands[0].data["exit_code"] == 0  # started items are not doubled
    assert [e.name for e in stream.events if e.kind == EventKind.TOOL_CALL] == ["mcp__codefit__run_checks"]
    assert any(e.kind == EventKind.TOOL_RESULT and "PASSED" in e.text for e in stream.events)


def test_price_table_matches_longest_prefix_and_counts_cached_tokens_cheaper() -> None:
    price = pricing.lookup("gpt-5-codex-2026-01-01")
    assert price == pricing.DEFAULT_PRICES["gpt-5-codex"]
    full = pricing.cost_usd(price, input_tokens=1_000_000, cached_tokens=0, output_tokens=0)
    cached = pricing.cost_usd(price, input_tokens=1_000_000, cached_tokens=1_000_000, output_tokens=0)
    assert full == 1.25 and cached == 0.125
    assert pricing.lookup("unknown-model") is None


def test_step_edits_prices_tokens_with_the_override_and_resumes_the_thread(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    options = CodexOptions(
        sandbox_rw=fake_agents.rw,
        model="house-model",
        price_table={"house-model": pricing.Price(input=2.0, cached_input=0.0, output=10.0)},
    )
    optimizer = CodexOptimizer(options)
    state = make_state()
    first = optimizer.step(state)
    assert first.status == StepStatus.EDITED, first.error
    assert (state.workspace / "calc.py").read_text().endswith("a + b\n")
    expected = ((24763 - 24448) * 2.0 + 122 * 10.0) / 1e6
    assert abs(first.usage.cost_usd - expected) < 1e-12
    assert [e.name for e in first.transcript if e.kind == EventKind.FILE_CHANGE] == ["calc.py"]
    optimizer.step(make_state(step=2, session=dict(first.session), feedback="## unit: FAILED"))
    calls = fake_agents.calls()
    assert calls[0]["argv"][:2] == ["exec", "--json"]
    assert "resume" not in calls[0]["argv"]
    second = calls[1]["argv"]
    assert second[second.index("resume") + 1] == first.session["thread_id"]
    assert "## unit: FAILED" in second[-1]


def test_mcp_is_passed_as_config_overrides(fake_agents: FakeAgents, make_state: MakeState) -> None:
    state = make_state()
    CodexOptimizer(
        CodexOptions(
            sandbox_rw=fake_agents.rw, mcp=True, mcp_command=["codefit", "mcp", "--workspace", "{workspace}"]
        )
    ).step(replace(state, timeout_s=900.5))
    argv = fake_agents.calls()[0]["argv"]
    overrides = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
    assert 'mcp_servers.codefit.command="codefit"' in overrides
    assert f'mcp_servers.codefit.args=["mcp", "--workspace", "{state.workspace}"]' in overrides
    # run_checks and submit run test suites: Codex's 60 s tool default would cut them off
    assert "mcp_servers.codefit.startup_timeout_sec=30" in overrides
    assert "mcp_servers.codefit.tool_timeout_sec=901" in overrides  # the step's own limit


def test_mcp_timeouts_are_configurable(fake_agents: FakeAgents, make_state: MakeState) -> None:
    options = CodexOptions(
        sandbox_rw=fake_agents.rw, mcp=True, mcp_startup_timeout_sec=5, mcp_tool_timeout_sec=120
    )
    CodexOptimizer(options).step(make_state())
    argv = fake_agents.calls()[0]["argv"]
    overrides = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
    assert {"mcp_servers.codefit.startup_timeout_sec=5", "mcp_servers.codefit.tool_timeout_sec=120"} <= set(
        overrides
    )


def test_reconnect_errors_before_a_completed_turn_do_not_fail_the_step(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    fake_agents.mode("reconnect")
    result = CodexOptimizer(CodexOptions(sandbox_rw=fake_agents.rw, model="gpt-5-codex")).step(make_state())
    assert result.status == StepStatus.EDITED and result.error is None
    retries = [e.text for e in result.transcript if e.kind == EventKind.ERROR]
    assert [r.split(" (")[0] for r in retries] == ["Reconnecting... 1/5", "Reconnecting... 2/5"]


def test_an_error_event_without_a_completed_turn_fails_the_step() -> None:
    lines = [
        {"type": "thread.started", "thread_id": "t"},
        {"type": "turn.started"},
        {"type": "error", "message": "Reconnecting... 5/5"},
        {"type": "error", "message": "stream disconnected: retry limit reached"},
    ]
    stream = parse_codex_stream("\n".join(json.dumps(x) for x in lines))
    assert stream.error == "codex error: stream disconnected: retry limit reached"


def test_without_a_model_the_cost_is_noted_unknown_and_warned_once(
    fake_agents: FakeAgents, make_state: MakeState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_agents.monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    optimizer = CodexOptimizer(CodexOptions(sandbox_rw=fake_agents.rw))
    optimizer.preflight(tmp_path)
    assert capsys.readouterr().err.count("codex: token cost unknown (no model is set)") == 1
    result = optimizer.step(make_state())
    notes = [e for e in result.transcript if e.data.get("cost_unknown")]
    assert len(notes) == 1 and "price_table" in notes[0].text
    assert result.usage.input_tokens == 24763  # the tokens are still recorded
    assert result.usage.cost_known is False


def test_the_model_in_codexs_own_config_prices_the_tokens(
    fake_agents: FakeAgents, make_state: MakeState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text('model = "gpt-5-codex"\n')
    fake_agents.monkeypatch.setenv("CODEX_HOME", str(home))
    optimizer = CodexOptimizer(CodexOptions(sandbox_rw=fake_agents.rw))
    optimizer.preflight(tmp_path)
    result = optimizer.step(make_state())
    price = pricing.DEFAULT_PRICES["gpt-5-codex"]
    expected = pricing.cost_usd(price, input_tokens=24763, cached_tokens=24448, output_tokens=122)
    assert result.usage.cost_usd == pytest.approx(expected) and result.usage.cost_known
    assert capsys.readouterr().err == "" and not any(e.data.get("cost_unknown") for e in result.transcript)


def test_misbehaving_codex_gives_clear_errors(fake_agents: FakeAgents, make_state: MakeState) -> None:
    expectations = {"crash": "exited with status 1", "garbage": "unparsable codex event", "ratelimit": "429"}
    for mode, needle in expectations.items():
        fake_agents.mode(mode)
        result = CodexOptimizer(CodexOptions(sandbox_rw=fake_agents.rw)).step(make_state())
        assert result.status == StepStatus.ERROR, mode
        assert result.error is not None and needle in result.error, (mode, result.error)
    fake_agents.mode("hang")
    hung = CodexOptimizer(CodexOptions(sandbox_rw=fake_agents.rw)).step(make_state(timeout_s=1.0))
    assert hung.error is not None and "did not finish" in hung.error


def test_codex_reads_a_long_prompt_from_stdin(fake_agents: FakeAgents, make_state: MakeState) -> None:
    state = replace(make_state(), task="Fix add(). " + "x" * 150_000)
    CodexOptimizer(CodexOptions(sandbox_rw=fake_agents.rw)).step(state)
    call = fake_agents.calls()[0]
    assert call["argv"][-1] == "-" and "Fix add()." in call["stdin"]
