"""The conversation the `openai` optimizer carries into the next step is one an OpenAI-compatible
endpoint accepts: every assistant tool call is answered by a tool message (else HTTP 400)."""

from __future__ import annotations

from typing import Any

from agents_support import MakeState
from loopback import Reply, serve, text, tool_calls

from codefit.optimizers.base import EventKind, StepStatus
from codefit.optimizers.openai_chat import OpenAIOptimizer, OpenAIOptions


def strict(reply: Reply) -> Any:
    """Answer like OpenAI: 400 when an assistant's tool calls are not each followed by a tool message."""

    def answer(request: dict[str, Any]) -> Reply:
        messages = request["messages"]
        for i, message in enumerate(messages):
            ids = [c["id"] for c in message.get("tool_calls") or []]
            answered = {
                m.get("tool_call_id") for m in messages[i + 1 : i + 1 + len(ids)] if m["role"] == "tool"
            }
            if set(ids) - answered:
                error = "An assistant message with 'tool_calls' must be followed by tool messages"
                return 400, {"error": {"message": error, "type": "invalid_request_error"}}
        return reply

    return answer


def test_the_step_after_submit_is_accepted_by_a_strict_endpoint(make_state: MakeState) -> None:
    script = [
        strict(tool_calls(("submit", {"summary": "fixed add"}), ("run_checks", {}))),
        strict(text("nothing more to do")),
    ]
    with serve(script) as server:
        optimizer = OpenAIOptimizer(
            OpenAIOptions(base_url=server.base_url, model="m", api_key="k", max_retries=0)
        )
        first = optimizer.step(make_state())
        second = optimizer.step(make_state(step=2, session=dict(first.session)))
    assert first.summary == "fixed add" and second.error is None
    assert second.status == StepStatus.NO_CHANGE
    assert [e.name for e in first.transcript if e.kind == EventKind.TOOL_CALL] == ["submit"]
    replies = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert [r["content"] for r in replies] == ["received: fixed add", "not run: the step already ended"]
