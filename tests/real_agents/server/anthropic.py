"""The Anthropic Messages API (`POST /v1/messages`), streamed (SSE) or not, with tool use.

What Claude Code 2.1.332 sends, as recorded against this server: `POST /v1/messages?beta=true`
with `stream: true`, `model`, `system` (a list of text blocks; the working directory is named in
it), `messages`, `tools` (its own Read/Edit/Write/Bash/... and `mcp__SERVER__TOOL` ones) and
`max_tokens`. Besides the agent loop it sends side requests that must not consume scripted turns
(see `is_side_request`), and `POST /v1/messages/count_tokens`. Without
CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 it first probes `HEAD /api/hello`. Anything else under
/v1 or /api gets a small empty JSON answer (200) and consumes no turn.

Stream events (docs.anthropic.com, "Streaming Messages"): message_start, then per content block
content_block_start / content_block_delta (text_delta or input_json_delta) / content_block_stop,
then message_delta (stop_reason, usage.output_tokens) and message_stop. Errors are
`{"type":"error","error":{"type","message"}}` with the HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

from .core import Response, json_response, sse
from .script import Turn, new_id

SIDE_ANSWER = "scripted"


class AnthropicApi:
    name = "anthropic"

    def __init__(self, model: str = "claude-sonnet-4-5") -> None:
        self.model = model

    def owns(self, method: str, path: str) -> bool:
        return path.startswith(("/v1/", "/api/")) and not path.startswith(("/v1/responses", "/v1/chat"))

    def consumes_turn(self, method: str, path: str, body: Any) -> bool:
        return method == "POST" and path == "/v1/messages" and not is_side_request(body)

    def answer(self, method: str, path: str, body: Any, turn: Turn | None) -> Response:
        if path == "/v1/messages/count_tokens":
            return json_response(200, {"input_tokens": 1000})
        if path != "/v1/messages" or method != "POST":
            return json_response(200, {})
        model = str((body or {}).get("model") or self.model)
        if turn is None:  # a side request: a short plain answer
            turn = Turn(text=SIDE_ANSWER)
        if turn.is_error:
            payload = {"type": "error", "error": {"type": turn.error_type, "message": turn.text}}
            return json_response(turn.status, payload, turn.headers)
        if (body or {}).get("stream"):
            return sse(stream_events(turn, model))
        return json_response(200, message(turn, model))


def is_side_request(body: Any) -> bool:
    """Claude Code's own small queries (titles, bash prefix checks, quota probes): no tools offered."""
    return not (isinstance(body, dict) and body.get("tools"))


def content_blocks(turn: Turn) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if turn.text:
        blocks.append({"type": "text", "text": turn.text})
    for c in turn.calls:
        blocks.append(
            {"type": "tool_use", "id": c.id.replace("call_", "toolu_"), "name": c.name, "input": dict(c.args)}
        )
    return blocks


def usage(turn: Turn) -> dict[str, Any]:
    u = turn.usage
    return {
        "input_tokens": u.input,
        "output_tokens": u.output,
        "cache_creation_input_tokens": u.cache_write,
        "cache_read_input_tokens": u.cache_read,
    }


def stop_reason(turn: Turn) -> str:
    return "tool_use" if turn.calls else "end_turn"


def message(turn: Turn, model: str) -> dict[str, Any]:
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content_blocks(turn),
        "stop_reason": stop_reason(turn),
        "stop_sequence": None,
        "usage": usage(turn),
    }


def stream_events(turn: Turn, model: str) -> list[tuple[str | None, Any]]:
    start = {**message(turn, model), "content": [], "stop_reason": None}
    start["usage"] = {**usage(turn), "output_tokens": 1}
    events: list[tuple[str | None, Any]] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(content_blocks(turn)):
        if block["type"] == "text":
            opening: dict[str, Any] = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events += [
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opening},
            ),
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": index}),
        ]
    final_usage = usage(turn)
    events += [
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason(turn), "stop_sequence": None},
                "usage": final_usage,
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events
