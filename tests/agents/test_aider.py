from __future__ import annotations

from pathlib import Path

from agents_support import FIXTURES, FakeAgents, MakeState

from codefit.optimizers.agents.aider_output import api_error, parse_aider_output, parse_usage
from codefit.optimizers.aider import AiderOptimizer, AiderOptions
from codefit.optimizers.base import EventKind, StepStatus


def test_recorded_output_gives_reply_applied_edits_and_usage() -> None:
    text = (FIXTURES / "aider_output.txt").read_text()
    events, applied = parse_aider_output(text)
    assert applied == {"calc.py"}
    reply = events[0].text
    assert (
        reply.startswith("The add function subtracts") and "Tokens:" not in reply and "Aider v" not in reply
    )
    usage, priced = parse_usage(text)
    assert (usage.input_tokens, usage.output_tokens, usage.cost_usd, priced) == (2400, 61, 0.0053, True)


def test_step_sends_message_file_without_auto_commits_and_restores_history(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    optimizer = AiderOptimizer(AiderOptions(sandbox_rw=fake_agents.rw, model="gpt-4.1"))
    state = make_state(writable=("*.py",), protected=("tests/*",))
    first = optimizer.step(state)
    assert first.status == StepStatus.EDITED, first.error
    assert (state.workspace / "calc.py").read_text().endswith("a + b\n")
    assert [e.name for e in first.transcript if e.kind == EventKind.FILE_CHANGE] == ["calc.py"]
    argv = fake_agents.calls()[0]["argv"]
    assert {"--yes-always", "--no-auto-commits"} <= set(argv)
    assert argv[-1] == "calc.py"  # writable, unprotected files only
    assert "--restore-chat-history" not in argv
    optimizer.step(make_state(step=2, session=dict(first.session), writable=("*.py",)))
    second = fake_agents.calls()[1]["argv"]
    assert "--restore-chat-history" in second
    history_file = second[second.index("--chat-history-file") + 1]
    assert history_file == first.session["chat_history_file"]
    assert not history_file.startswith(str(state.workspace))
    assert Path(history_file).parent.parent == state.task_file.parent  # the run's folder, not a stray tmp dir


def test_api_error_on_a_zero_exit_and_crashes_are_step_errors(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    for mode, needle in {"auth": "AuthenticationError", "crash": "exited with status 1"}.items():
        fake_agents.mode(mode)
        result = AiderOptimizer(AiderOptions(sandbox_rw=fake_agents.rw)).step(make_state())
        assert result.status == StepStatus.ERROR, mode
        assert result.error is not None and needle in result.error, (mode, result.error)


def test_error_names_in_the_agents_code_are_not_api_errors() -> None:
    reply = (FIXTURES / "aider_output.txt").read_text()
    edit = reply.replace(
        "    return a + b", '    raise AuthenticationError("litellm.RateLimitError: no key")'
    )
    fenced = edit + "\n```python\nlitellm.AuthenticationError = None\n```\n"
    assert "AuthenticationError" in fenced and api_error(fenced) is None
    assert api_error(reply, stderr="litellm.RateLimitError: 429 Too Many Requests") is not None


def test_aiders_own_api_error_on_stdout_with_exit_zero_is_a_step_error(
    fake_agents: FakeAgents, make_state: MakeState
) -> None:
    fake_agents.mode("auth")
    result = AiderOptimizer(AiderOptions(sandbox_rw=fake_agents.rw)).step(make_state())
    assert result.status == StepStatus.ERROR
    assert result.error is not None
    assert result.error.startswith("aider reported an API error: litellm.AuthenticationError")
