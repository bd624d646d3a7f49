"""Chat completions that refuse what OpenAI refuses (added beside `chat.py`, not inside it).

OpenAI and compatible servers (vLLM, llama.cpp) answer 400 to a conversation in which an
assistant message's `tool_calls` are not each answered by a `tool` message with its id
("An assistant message with 'tool_calls' must be followed by tool messages responding to each
'tool_call_id'"). The plain scripted server accepts anything; this one checks first.
"""

from __future__ import annotations

from typing import Any

from .chat import ChatApi
from .core import Response, json_response
from .script import Turn

MESSAGE = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. The following tool_call_ids did not have response messages: {ids}"
)


class StrictChatApi(ChatApi):
    def consumes_turn(self, method: str, path: str, body: Any) -> bool:
        return method == "POST" and not unanswered(body)

    def answer(self, method: str, path: str, body: Any, turn: Turn | None) -> Response:
        missing = unanswered(body)
        if missing:
            error = {"type": "invalid_request_error", "message": MESSAGE.format(ids=", ".join(missing))}
            return json_response(400, {"error": error}, {"x-should-retry": "false"})
        return super().answer(method, path, body, turn)


def unanswered(body: Any) -> list[str]:
    """The ids of tool calls not answered by the `tool` messages right after their assistant message."""
    messages = (body or {}).get("messages") or []
    missing: list[str] = []
    for i, message in enumerate(messages):
        calls = [c.get("id") for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        following = messages[i + 1 : i + 1 + len(calls)]
        answered = {m.get("tool_call_id") for m in following if m.get("role") == "tool"}
        missing += [str(c) for c in calls if c not in answered]
    return missing
