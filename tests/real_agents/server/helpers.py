"""Reading a recorded request body: what the CLI offered and what its tools answered."""

from __future__ import annotations

import json
import re
from typing import Any

_CWD = re.compile(r"(?:Primary working directory|Working directory): (.+)$", re.MULTILINE)


def tool_names(body: Any) -> list[str]:
    """The tool names a request offered the model (Anthropic `name`, OpenAI `name` or `function.name`)."""
    names = []
    for tool in (body or {}).get("tools") or []:
        if isinstance(tool, dict):
            name = tool.get("name") or (tool.get("function") or {}).get("name")
            if name:
                names.append(str(name))
    return names


def workspace_of(body: Any) -> str:
    """The working directory the CLI told the model about (Claude: "Primary working directory: X")."""
    for text in _strings(body):
        found = _CWD.search(text)
        if found:
            return found.group(1).strip()
    raise ValueError("the request names no working directory")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def tool_results(body: Any) -> list[str]:
    """The texts of every tool result the request carries (Anthropic tool_result blocks, Responses
    function_call_output / custom_tool_call_output items, chat `tool` messages), oldest first."""
    out: list[str] = []
    if not isinstance(body, dict):
        return out
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool":
            out.append(_text(message.get("content")))
        content = message.get("content")
        if isinstance(content, list):
            out += [
                _text(b.get("content"))
                for b in content
                if isinstance(b, dict) and b.get("type") == "tool_result"
            ]
    for item in body.get("input") or []:
        if isinstance(item, dict) and str(item.get("type", "")).endswith("_call_output"):
            out.append(_text(item.get("output")))
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return "" if content is None else json.dumps(content)
