from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from agents_support import MakeState
from loopback import serve, text, tool_calls

from codefit.optimizers.agents import pricing
from codefit.optimizers.agents.file_tools import ToolError, WorkspaceFiles
from codefit.optimizers.base import EventKind, StepStatus
from codefit.optimizers.openai_chat import OpenAIOptimizer, OpenAIOptions
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor


def options(base_url: str, **kw: Any) -> OpenAIOptions:
    return OpenAIOptions(base_url=base_url, model="loopback-model", api_key="k", max_retries=0, **kw)


def tool_result(request: dict[str, Any]) -> str:
    """The content of the last tool message the agent sent."""
    return str([m for m in request["messages"] if m["role"] == "tool"][-1]["content"])


def test_agent_repairs_a_buggy_repo_through_tools_and_real_checks(make_state: MakeState) -> None:
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    holder: dict[str, Path] = {}

    def run_checks() -> list[Reading]:
        return [sensor.read(holder["ws"], SensorContext(python=sys.executable))]

    script = [
        tool_calls(("list_files", {})),
        tool_calls(("read_file", {"path": "calc.py"})),
        tool_calls(("run_checks", {})),
        tool_calls(("edit_file", {"path": "calc.py", "old": "a - b", "new": "a + b"})),
        tool_calls(("run_checks", {})),
        tool_calls(("submit", {"summary": "add() now returns the sum"}), usage=(300, 10)),
    ]
    with serve(script) as server:
        state = make_state(run_checks=run_checks, writable=("*.py",))
        holder["ws"] = state.workspace
        result = OpenAIOptimizer(
            options(server.base_url, price_table={"loopback-model": pricing.Price(input=1.0, output=2.0)})
        ).step(state)
    assert result.status == StepStatus.EDITED, result.error
    assert result.summary == "add() now returns the sum"
    assert (state.workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    requests = server.requests
    assert "calc.py" in tool_result(requests[1]) and "tests/test_calc.py" in tool_result(requests[1])
    assert "return a - b" in tool_result(requests[2])
    assert "FAILED" in tool_result(requests[3]) and "test_add" in tool_result(requests[3])
    assert "PASSED" in tool_result(requests[5])
    assert requests[0]["max_tokens"] == 4096  # a non-OpenAI endpoint gets the classic key
    assert requests[0]["tools"] and "Make add() return the sum" in requests[0]["messages"][1]["content"]
    assert result.usage.input_tokens == 800 and result.usage.output_tokens == 110
    assert result.usage.cost_usd == pytest.approx((800 * 1.0 + 110 * 2.0) / 1e6)
    assert [e.name for e in result.transcript if e.kind == EventKind.FILE_CHANGE] == ["calc.py"]


def test_flag_contradiction_ends_the_step_flagged(make_state: MakeState) -> None:
    with serve([tool_calls(("flag_contradiction", {"reason": "test_add wants 2 + 3 == 6"}))]) as server:
        result = OpenAIOptimizer(options(server.base_url)).step(make_state())
    assert result.status == StepStatus.FLAGGED
    assert result.summary == "test_add wants 2 + 3 == 6"


def test_paths_outside_the_workspace_and_unwritable_files_are_refused(make_state: MakeState) -> None:
    script = [
        tool_calls(("read_file", {"path": "../../etc/passwd"})),
        tool_calls(("write_file", {"path": "tests/test_calc.py", "content": "pass\n"})),
        tool_calls(("read_file", {"path": ".git/config"})),
        text("giving up"),
    ]
    with serve(script) as server:
        state = make_state(writable=("calc.py", "src/**"))  # fnmatch globs, as everywhere in codefit
        result = OpenAIOptimizer(options(server.base_url)).step(state)
    assert "outside the workspace" in tool_result(server.requests[1])
    assert "not writable" in tool_result(server.requests[2])
    assert "not accessible" in tool_result(server.requests[3])
    assert result.status == StepStatus.NO_CHANGE
    assert "a - b" in (state.workspace / "calc.py").read_text()


def test_turn_limit_without_changes_gives_up(make_state: MakeState) -> None:
    with serve([tool_calls(("list_files", {})) for _ in range(3)]) as server:
        result = OpenAIOptimizer(options(server.base_url, max_turns=2)).step(make_state())
    assert result.status == StepStatus.GAVE_UP
    assert len(server.requests) == 2


def test_auth_and_rate_limit_errors_are_step_errors(make_state: MakeState) -> None:
    for status, needle in ((401, "authentication failed"), (429, "rate limited")):
        reply = (status, {"error": {"message": "nope", "type": "x", "code": str(status)}})
        with serve([reply]) as server:
            result = OpenAIOptimizer(options(server.base_url)).step(make_state())
        assert result.status == StepStatus.ERROR
        assert result.error is not None and needle in result.error


def test_continue_keeps_the_conversation_and_sends_feedback(make_state: MakeState) -> None:
    with serve([text("looked around"), text("still here")]) as server:
        optimizer = OpenAIOptimizer(options(server.base_url))
        first = optimizer.step(make_state())
        optimizer.step(make_state(step=2, session=dict(first.session), feedback="## unit: FAILED"))
    second = server.requests[1]["messages"]
    assert second[0]["role"] == "system" and "looked around" in [m.get("content") for m in second]
    assert "## unit: FAILED" in second[-1]["content"]


def test_workspace_files_edit_needs_exactly_one_match(tmp_path: Path, make_state: MakeState) -> None:
    files = WorkspaceFiles(make_state().workspace)
    with pytest.raises(ToolError, match="found 0 times"):
        files.edit_file("calc.py", "nothing like this", "x")


def test_bad_tool_calls_come_back_as_tool_errors_and_the_step_goes_on(make_state: MakeState) -> None:
    state = make_state(protected=("tests/*",))
    (state.workspace / "blob.bin").write_bytes(b"\xff\xfe\x00x")
    (state.workspace / "pkg").mkdir()
    script = [
        tool_calls(("read_file", {"path": "calc.py", "start_line": "2", "end_line": 2.0})),
        tool_calls(("read_file", {"path": "calc.py", "start_line": "two"})),
        tool_calls(("edit_file", {"path": "blob.bin", "old": "x", "new": "y"})),
        tool_calls(("write_file", {"path": "pkg", "content": "x = 1\n"})),
        tool_calls(("write_file", {"path": "calc.py/inner.py", "content": "x = 1\n"})),
        tool_calls(("write_file", {"path": "tests/test_calc.py", "content": "def test_add(): pass\n"})),
        tool_calls(("edit_file", {"path": "calc.py", "old": "a - b", "new": "a + b"})),
        tool_calls(("submit", {"summary": "fixed"})),
    ]
    with serve(script) as server:
        result = OpenAIOptimizer(options(server.base_url)).step(state)
    answers = [tool_result(r) for r in server.requests[1:]]
    assert answers[0] == "    2      return a - b"
    assert "start_line must be a whole line number, not 'two'" in answers[1]
    assert "not UTF-8 text" in answers[2]
    assert "is a directory" in answers[3]
    assert answers[4].startswith("error: write_file failed: ")  # an OS error the tools do not foresee
    assert "tests/test_calc.py is protected" in answers[5] and "flag_contradiction" in answers[5]
    assert result.status == StepStatus.EDITED, result.error
    assert "pass" not in (state.workspace / "tests" / "test_calc.py").read_text()


def test_an_unpriced_model_notes_its_cost_as_unknown(make_state: MakeState) -> None:
    with serve([text("nothing to do")]) as server:
        result = OpenAIOptimizer(options(server.base_url)).step(make_state())
    [note] = [e for e in result.transcript if e.data.get("cost_unknown")]
    assert "model 'loopback-model' has no price" in note.text
    assert result.usage.cost_known is False
