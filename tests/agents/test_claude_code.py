from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from agents_support import FIXTURES, FakeAgents, MakeState

from codefit.optimizers.agents.claude_stream import parse_claude_stream
from codefit.optimizers.base import EventKind, StepStatus
from codefit.optimizers.claude_code import ClaudeCodeOptimizer, ClaudeCodeOptions
from codefit.sensors.base import SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor

UNIT_TESTS = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))


def denials(events: tuple[object, ...] | list[object]) -> list[str]:
    return [e.text for e in events if getattr(e, "kind", None) == EventKind.ERROR]


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
    noise = 'banner text\n[WARN] slow hook\n[1/3] warming up\n{"type": "stream_event", "event": {}}\n'
    ok = parse_claude_stream(noise + '{"type": "new_kind"}\n')
    assert ok.error is None
    bad = parse_claude_stream('{"type": "assistant", "mess\n')
    assert bad.error is not None and "line 1" in bad.error


def test_recorded_partial_stream_with_compaction_and_noise_parses_like_the_plain_one() -> None:
    text = (FIXTURES / "claude_stream_partial.jsonl").read_text()
    stream = parse_claude_stream(text.replace("@SESSION@", "s2").replace("@CWD@", "/w"), Path("/w"))
    assert stream.error is None and stream.has_result
    assert stream.session_id == "s2" and stream.usage.cost_usd == 0.0187
    messages = [e.text for e in stream.events if e.kind == EventKind.MESSAGE and e.role == "assistant"]
    assert messages == ["add() subtracts; fixing it.", "Fixed add() to return the sum."]  # deltas not doubled
    assert [e.text for e in stream.events if e.role == "system"] == [
        "context compacted (auto; 155012 tokens before)"
    ]
    assert stream.edited_paths == {"calc.py"}
    assert stream.final_text == "Fixed add() to return the sum."


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
    # codefit's own interpreter: a bare `codefit` is not found when the venv is not on PATH
    assert [server["command"], *server["args"]] == [
        sys.executable,
        "-m",
        "codefit",
        "mcp",
        "--workspace",
        str(state.workspace),
    ]
    assert "--strict-mcp-config" in argv
    # headless claude refuses tools that are not pre-allowed: codefit's must be, next to the checks
    assert argv[argv.index("--allowedTools") + 1].split(",") == ["mcp__codefit__*"]


def test_default_allowed_tools_let_claude_run_the_checks_the_guide_names(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    optimizer = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw))
    with_checks = optimizer.step(make_state(train_sensors=(UNIT_TESTS,)))
    argv = fake_agents.calls()[0]["argv"]
    assert argv[argv.index("--allowedTools") + 1] == "Bash(python -m pytest:*)"
    assert with_checks.status == StepStatus.EDITED and denials(with_checks.transcript) == []
    # the fake refuses what no rule admits, as headless claude does: the refusal is in the transcript
    without = optimizer.step(make_state(step=2, session=dict(with_checks.session)))
    [refusal] = denials(without.transcript)
    assert refusal.startswith('permission denied: Bash {"command": "python -m pytest -q"')


def test_configured_allowed_tools_replace_the_default_and_keep_codefits_mcp_tools(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    options = ClaudeCodeOptions(sandbox_rw=fake_agents.rw, mcp=True, allowed_tools=["Bash"])
    result = ClaudeCodeOptimizer(options).step(make_state(train_sensors=(UNIT_TESTS,)))
    argv = fake_agents.calls()[0]["argv"]
    assert argv[argv.index("--allowedTools") + 1] == "Bash,mcp__codefit__*"
    assert denials(result.transcript) == []


def test_a_crashed_step_keeps_no_session_so_the_next_step_does_not_resume_it(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    optimizer = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw))
    fake_agents.mode("crash")
    crashed = optimizer.step(make_state())
    assert crashed.status == StepStatus.ERROR and "session_id" not in crashed.session
    fake_agents.mode("ok")
    after = optimizer.step(make_state(step=2, session=dict(crashed.session)))
    assert after.status == StepStatus.EDITED, after.error
    argv = fake_agents.calls()[-1]["argv"]
    assert "--resume" not in argv and "# Task" in argv[-1]  # a fresh session, told the task again
    assert after.session["session_id"] == argv[argv.index("--session-id") + 1]


def test_a_session_claude_no_longer_has_is_replaced_by_a_fresh_one_in_the_same_step(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    optimizer = ClaudeCodeOptimizer(ClaudeCodeOptions(sandbox_rw=fake_agents.rw))
    result = optimizer.step(make_state(step=3, session={"session_id": "expired-session"}))
    assert result.status == StepStatus.EDITED, result.error
    first, second = (call["argv"] for call in fake_agents.calls()[-2:])
    assert first[first.index("--resume") + 1] == "expired-session"
    assert "--resume" not in second and "# Task" in second[-1]  # afresh, told the task again
    assert result.session["session_id"] == second[second.index("--session-id") + 1]


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
