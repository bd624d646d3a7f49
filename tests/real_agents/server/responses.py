"""The OpenAI Responses API (`POST /v1/responses`), streamed (SSE), with function and custom tool calls.

Codex talks to a custom model provider this way (`model_providers.NAME.base_url=.../v1`,
`wire_api="responses"`): `stream: true`, `input` (items: messages, function_call_output,
custom_tool_call_output...), `tools` (its shell / apply_patch / MCP tools) and `model`.

Stream events (platform.openai.com/docs/api-reference/responses-streaming): response.created,
per output item response.output_item.added / (response.output_text.delta) / response.output_item.done,
then response.completed whose `response.usage` is `{input_tokens, input_tokens_details.cached_tokens,
output_tokens, output_tokens_details.reasoning_tokens, total_tokens}` (input includes cached).
A tool call is an item `{"type":"function_call","call_id","name","arguments": JSON text}`; a
custom tool call (Codex's free-form `apply_patch`) is `{"type":"custom_tool_call","call_id","name",
"input": TEXT}`. Errors are `{"error":{"type","message","code"}}` with the HTTP status.
GET /v1/models answers an empty list.
"""

from __future__ import annotations

import json
from typing import Any

from .core import Response, json_response, sse
from .script import Turn, new_id


class ResponsesApi:
    name = "responses"

    def __init__(self, model: str = "gpt-5") -> None:
        self.model = model

    def owns(self, method: str, path: str) -> bool:
        return path.startswith(("/v1/responses", "/v1/models", "/responses", "/models"))

    def consumes_turn(self, method: str, path: str, body: Any) -> bool:
        return method == "POST" and path.endswith("/responses")

    def answer(self, method: str, path: str, body: Any, turn: Turn | None) -> Response:
        if turn is None:
            return json_response(200, {"object": "list", "data": [], "models": []})
        if turn.is_error:
            error = {"type": turn.error_type, "message": turn.text, "code": turn.error_type}
            return json_response(turn.status, {"error": error}, turn.headers)
        model = str((body or {}).get("model") or self.model)
        done = response_object(turn, model, "completed")
        if not (body or {}).get("stream"):
            return json_response(200, done)
        created = {**done, "status": "in_progress", "output": [], "usage": None}
        events: list[tuple[str | None, Any]] = [
            ("response.created", {"type": "response.created", "response": created}),
        ]
        for index, item in enumerate(done["output"]):
            events.append(
                (
                    "response.output_item.added",
                    {"type": "response.output_item.added", "output_index": index, "item": item},
                )
            )
            if item["type"] == "message":
                delta = {
                    "type": "response.output_text.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "content_index": 0,
                    "delta": turn.text,
                }
                events.append(("response.output_text.delta", delta))
            events.append(
                (
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": index, "item": item},
                )
            )
        events.append(("response.completed", {"type": "response.completed", "response": done}))
        return sse(events)


def output_items(turn: Turn) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if turn.text:
        content = [{"type": "output_text", "text": turn.text, "annotations": []}]
        items.append(
            {
                "type": "message",
                "id": new_id("msg_"),
                "role": "assistant",
                "status": "completed",
                "content": content,
            }
        )
    for c in turn.calls:
        if c.custom:
            items.append(
                {
                    "type": "custom_tool_call",
                    "id": new_id("ctc_"),
                    "call_id": c.id,
                    "name": c.name,
                    "input": str(c.args.get("input", "")),
                    "status": "completed",
                }
            )
        else:
            items.append(
                {
                    "type": "function_call",
                    "id": new_id("fc_"),
                    "call_id": c.id,
                    "name": c.name,
                    "arguments": json.dumps(dict(c.args)),
                    "status": "completed",
                }
            )
    return items


def usage(turn: Turn) -> dict[str, Any]:
    u = turn.usage
    input_tokens = u.input + u.cache_read + u.cache_write
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": u.cache_read},
        "output_tokens": u.output,
        "output_tokens_details": {"reasoning_tokens": u.reasoning},
        "total_tokens": input_tokens + u.output,
    }


def response_object(turn: Turn, model: str, status: str) -> dict[str, Any]:
    return {
        "id": new_id("resp_"),
        "object": "response",
        "created_at": 1767225600,
        "status": status,
        "model": model,
        "output": output_items(turn),
        "usage": usage(turn),
    }
