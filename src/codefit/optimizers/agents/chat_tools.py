"""The tool schemas codefit's own agent offers the model (OpenAI function-calling format)."""

from __future__ import annotations

from typing import Any


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


_PATH = {"type": "string", "description": "Path relative to the workspace root."}

TOOLS: list[dict[str, Any]] = [
    _tool("list_files", "List the files under a directory of the workspace.", {"path": _PATH}, []),
    _tool(
        "read_file",
        "Read a file, with line numbers; optionally a line range.",
        {"path": _PATH, "start_line": {"type": "integer"}, "end_line": {"type": "integer"}},
        ["path"],
    ),
    _tool(
        "write_file",
        "Create or overwrite a file with the given content.",
        {"path": _PATH, "content": {"type": "string"}},
        ["path", "content"],
    ),
    _tool(
        "edit_file",
        "Replace one exact occurrence of `old` with `new` in a file.",
        {"path": _PATH, "old": {"type": "string"}, "new": {"type": "string"}},
        ["path", "old", "new"],
    ),
    _tool("run_checks", "Run the visible checks (tests, linters) and get the report.", {}, []),
    _tool(
        "submit",
        "Finish this step: you believe the task is done.",
        {"summary": {"type": "string", "description": "What you changed and why."}},
        ["summary"],
    ),
    _tool(
        "flag_contradiction",
        "Stop and flag for a human: a test or check contradicts the task. Do not work around it.",
        {"reason": {"type": "string", "description": "Which test and how it contradicts the task."}},
        ["reason"],
    ),
]
