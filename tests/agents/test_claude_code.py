from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from agents_support import FIXTURES, FakeAgents, MakeState

from codefit.optimizers.agents.claude_stream import parse_claude_stream
from codefit.optimizers.base import EventKind, StepStatus
from codefit.optimizers.claude_code import ClaudeCodeOptimizer, ClaudeCodeOptions


def test_recorded_stream_merges_lines_of_one_message_and_keeps_result_cost() -> None:
    text = (FIXTURES / "claude_stream.jsonl").read_text().replace("@SESSION@", "s1").replace("@CWD@", "/w")
    stream = parse_claude_stream(text)
    assert stream.session_id == "s1"
    assert stream.error is None
    assert stream.usage.cost_usd == 0.0421
    assert stream.usage.output_tokens == 241
    assert stream.usage.cached_tokens == 12940
    kinds = [e.kind for e in stream.events]
    assert kinds.count(EventKind.TOOL_CALL) == 3
    assert kinds.count(EventKind.TOOL_RESULT) == 3
    assert EventKind.REASONING in kinds
    assert [e.text for e in stream.events if e.kind == EventKind.COMMAND] == ["python -m pytest -q"]
    assert stream.edited_paths == {"/w/calc.py"}  # outside any root: kept as given
    assert stream.final_text.startswith("Fixed add()")


def test_usage_without_result_counts_each_message_once_with_its_last_usage() -> None:
    lines = [
        {
            "type": "assistant",
            "message": {
                "id": "m1",
                "content": [{"type": "text", "text": "a"}],
                "usage": {"input_tokens": 10, "output_tokens": 1},
            },
        },
        {
            "type": "assistant",
            "message": {
                "id": "m1",
                "content": [{"type": "text", "text": "b"}],
                "usage": {"input_tokens": 10, "output_tokens": 7},
            },
        },
        {
            "type": "assistant",
            "message": {"id": "m2", "content": [], "usage": {"input_tokens": 5, "output_tokens": 2}},
        },
    ]
    stream = parse_claude_stream("\n".join(json.dumps(x) for x in lines))
    assert stream.usage.input_tokens == 15
    assert stream.usage.output_tokens == 9
    assert [e.text for e in stream.events] == ["a", "b"]


def test_unknown_types_and_text_noise_are_ignored_but_corrupt_json_is_an_error() -> None:
    ok = parse_claude_stream('banner text\n{"type": "stream_event", "event": {}}\n{"type": "new_kind"}\n')
    assert ok.error is None
    bad = parse_claude_stream('{"type": "assistant", "mess\n')
    assert bad.error is not None and "line 1" in bad.error


def test_step_edits_and_reports_session_cost_and_file_change(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    state = make_state()
    result = ClaudeCodeOptimizer(
        ClaudeCodeOptions(sandbox_rw=fake_agents.rw, model="sonnet", max_turns=5)
    ).step(state)
    assert result.status == StepStatus.EDITED, result.error
    assert (state.workspace / "calc.py").read_text().endswith("a + b\n")
    assert result.usage.cost_usd == 0.0421
    assert any(e.kind == EventKind.FILE_CHANGE and e.name == "calc.py" for e in result.transcript)
    argv = fake_agents.calls()[0]["argv"]
    assert argv[:5] == ["--print", "--output-format", "stream-json", "--verbose", "--model"]
    assert "--session-id" in argv and "--resume" not in argv
    assert argv[argv.index("--max-turns") + 1] == "5"
    assert argv[-2] == "--" and "Make add() return the sum" in argv[-1]
    assert result.session["session_id"] == argv[argv.index("--session-id") + 1]


def test_second_step_resumes_the_session_and_sends_only_feedback(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    optimizer = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw))
    first = optimizer.step(make_state())
    second = optimizer.step(make_state(step=2, session=dict(first.session), feedback="## unit: FAILED"))
    argv = fake_agents.calls()[1]["argv"]
    assert argv[argv.index("--resume") + 1] == first.session["session_id"]
    assert "## unit: FAILED" in argv[-1] and "# Task" not in argv[-1]
    assert [h["step"] for h in second.session["history"]] == [1, 2]


def test_reset_strategy_starts_fresh_with_a_handoff_note(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    optimizer = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw, context="reset"))
    first = optimizer.step(make_state())
    optimizer.step(make_state(step=2, session=dict(first.session), feedback="## unit: FAILED"))
    argv = fake_agents.calls()[1]["argv"]
    assert "--resume" not in argv
    prompt = argv[-1]
    assert "# Task" in prompt and "Handoff" in prompt and "step 1: edited" in prompt


def test_mcp_config_points_at_codefit_mcp_for_the_workspace(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    state = make_state()
    ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw, mcp=True)).step(state)
    argv = fake_agents.calls()[0]["argv"]
    config = json.loads(argv[argv.index("--mcp-config") + 1])
    server = config["mcpServers"]["codefit"]
    assert server["type"] == "stdio"
    assert server["args"][-3:] == ["mcp", "--workspace", str(state.workspace)]
    assert "--strict-mcp-config" in argv


def test_flag_file_gives_flagged_status_and_is_removed(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    fake_agents.mode("flag")
    state = make_state()
    result = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw)).step(state)
    assert result.status == StepStatus.FLAGGED
    assert "contradicts" in result.summary
    assert not (state.workspace / "CODEFIT_FLAG.md").exists()


def test_misbehaving_agent_gives_a_clear_error_and_keeps_the_transcript(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    expectations = {
        "crash": "exited with status 1",
        "garbage": "unparsable stream-json line 3",
        "ratelimit": "rate limited",
        "auth": "Invalid API key",
    }
    for mode, needle in expectations.items():
        fake_agents.mode(mode)
        result = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw)).step(make_state())
        assert result.status == StepStatus.ERROR, mode
        assert result.error is not None and needle in result.error, (mode, result.error)
        assert result.raw, mode
    crash_calls = [c for c in fake_agents.calls()[:2]]
    assert len(crash_calls) == 2 and crash_calls[0]["argv"] != crash_calls[1]["argv"]  # retried, new session


def test_hang_past_the_step_timeout_is_killed(fake_agents: FakeAgents, make_state: MakeState) -> None:
    fake_agents.mode("hang")
    result = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw)).step(make_state(timeout_s=1.5))
    assert result.status == StepStatus.ERROR
    assert result.error is not None and "did not finish within 2s" in result.error
    assert '"subtype": "init"' in result.raw


def test_missing_binary_is_a_step_error(make_state: MakeState, tmp_path: Path) -> None:
    result = ClaudeCodeOptimizer(ClaudeCodeOptions(binary="no-such-claude")).step(make_state())
    assert result.status == StepStatus.ERROR
    assert result.error is not None and "not found" in result.error


def test_a_prompt_too_long_for_argv_goes_through_stdin(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    state = make_state()
    long_task = replace(state, task="Make add() return the sum. " + "detail " * 20_000)
    result = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw)).step(long_task)
    assert result.status == StepStatus.EDITED, result.error
    call = fake_agents.calls()[0]
    assert "--" not in call["argv"] and call["stdin"].startswith("# Task\n\nMake add() return the sum.")
