"""Parse `codex exec --json` output (JSON lines; types in codex-rs `exec/src/exec_events.rs`).

Top-level events: `thread.started{thread_id}`, `turn.started`, `turn.completed{usage}` (the
thread's running total after a resume: see `codex_usage`),
`turn.failed{error{message}}`, `item.started|updated|completed{item}`, `error{message}`. Only
completed items are transcribed; item types: agent_message, reasoning, command_execution,
file_change, mcp_tool_call, web_search, todo_list, error. An `error` event is not the end by itself:
Codex also reports its retries with it ("Reconnecting... 1/5"), so it fails the step only when no
turn completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefit.optimizers.agents.codex_usage import TokenCounts
from codefit.optimizers.agents.common import clip, json_objects, relative_path
from codefit.optimizers.base import EventKind, TranscriptEvent


@dataclass
class CodexStream:
    events: list[TranscriptEvent] = field(default_factory=list)
    thread_id: str | None = None
    usage: TokenCounts = field(default_factory=TokenCounts)  # the last turn's: a running total, not a sum
    final_text: str = ""
    error: str | None = None
    turn_completed: bool = False
    edited_paths: set[str] = field(default_factory=set)
    last_error_event: str | None = None


def parse_codex_stream(text: str, root: Path | None = None) -> CodexStream:
    out = CodexStream()
    for obj in json_objects(text, "codex event on line"):
        if isinstance(obj, str):
            out.error = out.error or obj
        else:
            _feed(out, obj, root)
    if out.error is None and not out.turn_completed and out.last_error_event:
        out.error = f"codex error: {clip(out.last_error_event, 300)}"
    return out


def _feed(out: CodexStream, obj: dict[str, Any], root: Path | None) -> None:
    kind = obj.get("type")
    if kind == "thread.started":
        out.thread_id = str(obj.get("thread_id") or "") or out.thread_id
    elif kind == "turn.completed":
        out.turn_completed = True
        usage = obj.get("usage")
        out.usage = TokenCounts.from_event(usage) if isinstance(usage, dict) else out.usage
    elif kind == "turn.failed":
        message = (obj.get("error") or {}).get("message", "turn failed")
        out.error = f"codex turn failed: {clip(str(message), 300)}"
        out.events.append(TranscriptEvent(kind=EventKind.ERROR, text=str(message)))
    elif kind == "error":
        message = str(obj.get("message", "error"))
        out.last_error_event = message
        out.events.append(TranscriptEvent(kind=EventKind.ERROR, text=message))
    elif kind == "item.completed" and isinstance(obj.get("item"), dict):
        _item(out, obj["item"], root)


def _item(out: CodexStream, item: dict[str, Any], root: Path | None) -> None:
    kind = item.get("type")
    item_id = str(item.get("id", ""))
    if kind == "agent_message":
        out.final_text = str(item.get("text", ""))
        out.events.append(TranscriptEvent(kind=EventKind.MESSAGE, role="assistant", text=out.final_text))
    elif kind == "reasoning":
        out.events.append(TranscriptEvent(kind=EventKind.REASONING, text=str(item.get("text", ""))))
    elif kind == "command_execution":
        out.events.append(
            TranscriptEvent(
                kind=EventKind.COMMAND,
                text=str(item.get("command", "")),
                call_id=item_id,
                data={
                    "exit_code": item.get("exit_code"),
                    "status": item.get("status"),
                    "output": clip(str(item.get("aggregated_output") or "")),
                },
            )
        )
    elif kind == "file_change":
        for change in item.get("changes") or []:
            path = relative_path(str(change.get("path", "")), root)
            out.edited_paths.add(path)
            out.events.append(
                TranscriptEvent(
                    kind=EventKind.FILE_CHANGE, name=path, call_id=item_id, data={"kind": change.get("kind")}
                )
            )
    elif kind == "mcp_tool_call":
        _mcp_call(out, item, item_id)
    elif kind == "web_search":
        out.events.append(
            TranscriptEvent(
                kind=EventKind.TOOL_CALL,
                name="web_search",
                call_id=item_id,
                data={"query": item.get("query")},
            )
        )
    elif kind == "error":
        out.events.append(TranscriptEvent(kind=EventKind.ERROR, text=str(item.get("message", ""))))


def _mcp_call(out: CodexStream, item: dict[str, Any], item_id: str) -> None:
    name = f"mcp__{item.get('server')}__{item.get('tool')}"
    args = item.get("arguments") if isinstance(item.get("arguments"), dict) else {}
    out.events.append(TranscriptEvent(kind=EventKind.TOOL_CALL, name=name, call_id=item_id, data=args or {}))
    result = item.get("result") or {}
    texts = [c.get("text", "") for c in result.get("content") or [] if isinstance(c, dict)]
    error = item.get("error")
    out.events.append(
        TranscriptEvent(
            kind=EventKind.TOOL_RESULT,
            call_id=item_id,
            text=clip(str(error) if error else "\n".join(texts)),
            data={"is_error": bool(error)},
        )
    )
