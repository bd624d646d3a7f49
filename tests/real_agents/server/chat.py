"""OpenAI chat completions (`POST /v1/chat/completions`) with tools, streamed or not.

What aider (through LiteLLM) and the `openai` SDK send: `model`, `messages`, optional `tools`
and `stream`. A streamed answer is `data: {chat.completion.chunk}` lines ending `data: [DONE]`;
the last chunk carries `usage` (aider asks for it with `stream_options.include_usage`).
Usage: `{prompt_tokens (includes cached), completion_tokens, total_tokens,
prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens}`.
Errors are `{"error":{"type","message","code"}}` with the HTTP status.
(platform.openai.com/docs/api-reference/chat)
"""

from __future__ import annotations

import json
from typing import Any

from .core import Response, json_response, sse
from .script import Turn, new_id

CREATED = 1767225600


class ChatApi:
    name = "chat"

    def __init__(self, model: str = "gpt-4o") -> None:
        self.model = model

    def owns(self, method: str, path: str) -> bool:
        return path.endswith("/chat/completions")

    def consumes_turn(self, method: str, path: str, body: Any) -> bool:
        return method == "POST"

    def answer(self, method: str, path: str, body: Any, turn: Turn | None) -> Response:
        assert turn is not None
        if turn.is_error:
            error = {"type": turn.error_type, "message": turn.text, "code": turn.error_type}
            return json_response(turn.status, {"error": error}, turn.headers)
        model = str((body or {}).get("model") or self.model)
        if not (body or {}).get("stream"):
            return json_response(200, completion(turn, model))
        return sse([(None, chunk) for chunk in chunks(turn, model)] + [(None, "[DONE]")])


def tool_calls(turn: Turn) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(dict(c.args))}}
        for c in turn.calls
    ]


def usage(turn: Turn) -> dict[str, Any]:
    u = turn.usage
    prompt = u.input + u.cache_read + u.cache_write
    return {
        "prompt_tokens": prompt,
        "completion_tokens": u.output,
        "total_tokens": prompt + u.output,
        "prompt_tokens_details": {"cached_tokens": u.cache_read},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning},
    }


def finish_reason(turn: Turn) -> str:
    return "tool_calls" if turn.calls else "stop"


def completion(turn: Turn, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if turn.calls:
        message["tool_calls"] = tool_calls(turn)
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(turn)}],
        "usage": usage(turn),
    }


def chunks(turn: Turn, model: str) -> list[dict[str, Any]]:
    ident = new_id("chatcmpl-")

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": [choice],
            **extra,
        }

    out = [chunk({"role": "assistant", "content": ""})]
    if turn.text:
        out.append(chunk({"content": turn.text}))
    for index, call in enumerate(tool_calls(turn)):
        out.append(chunk({"tool_calls": [{"index": index, **call}]}))
    out.append(chunk({}, finish_reason(turn)))
    out.append(
        {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": [],
            "usage": usage(turn),
        }
    )
    return out
