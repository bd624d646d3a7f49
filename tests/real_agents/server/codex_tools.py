"""Codex's namespaced tools on the Responses API (added beside `responses.py`, not inside it).

codex-cli 0.171.0 offers an MCP server's tools as one `{"type":"namespace","name":"mcp__SERVER",
"tools":[{"type":"function","name":"TOOL",...}]}` entry, and runs a call only when the model's
`function_call` item names the tool and its namespace apart (`"name":"run_checks",
"namespace":"mcp__codefit"`); the flat `mcp__codefit__run_checks` is refused ("unsupported call").
A script spells such a call `Call("mcp__codefit/run_checks", {...})`: this API splits it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from .core import Response
from .responses import ResponsesApi
from .script import Turn


class CodexResponsesApi(ResponsesApi):
    """The Responses API, with `NAMESPACE/TOOL` call names sent as a namespaced function call."""

    def answer(self, method: str, path: str, body: Any, turn: Turn | None) -> Response:
        response = super().answer(method, path, body, turn)
        if response.stream is None:
            return response
        return replace(response, stream=[_split_names(chunk) for chunk in response.stream])


def _split_names(chunk: bytes) -> bytes:
    lines = chunk.decode().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("data: {"):
            event = json.loads(line[len("data: ") :])
            lines[i] = "data: " + json.dumps(_walk(event))
    return "\n".join(lines).encode()


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _walk(v) for k, v in value.items()}
        name = out.get("name")
        if out.get("type") == "function_call" and isinstance(name, str) and "/" in name:
            out["namespace"], out["name"] = name.split("/", 1)
        return out
    if isinstance(value, list):
        return [_walk(v) for v in value]
    return value


def namespace_of(tools: list[dict[str, Any]], tool: str) -> str | None:
    """The namespace a request's `tools` offers `tool` in (e.g. `mcp__codefit`), or None."""
    for entry in tools:
        offered = entry.get("tools") or [] if entry.get("type") == "namespace" else []
        if any(isinstance(t, dict) and t.get("name") == tool for t in offered):
            return str(entry.get("name"))
    return None
