"""Parse Claude Code's `--output-format stream-json` output into codefit's transcript.

One JSON object per line: `system` (init, compact_boundary, hooks), `assistant` (one API response,
possibly over several lines sharing `message.id`: merged, last usage kept), `user` (tool results),
`rate_limit_event`, `stream_event` (partial deltas, ignored: the full `assistant` lines follow), and
a final `result` with cost, usage and `permission_denials`. Unknown types are ignored; text lines
(banners, `[WARN] ...` stderr noise) are skipped; a line that starts with `{` but does not parse
means the stream is corrupt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefit.optimizers.agents.common import clip, json_objects, relative_path
from codefit.optimizers.base import EventKind, TranscriptEvent, Usage

EDIT_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit"}
SYNTHETIC_MODEL = "<synthetic>"
LIMIT_SUBTYPES = {"error_max_turns", "error_max_budget_usd"}


@dataclass
class ClaudeStream:
    events: list[TranscriptEvent] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    session_id: str | None = None
    final_text: str = ""
    error: str | None = None
    limit_reached: str | None = None
    has_result: bool = False
    edited_paths: set[str] = field(default_factory=set)


def parse_claude_stream(text: str, root: Path | None = None) -> ClaudeStream:
    """Parse a whole stream; file paths under `root` are made relative to it."""
    out = ClaudeStream()
    parser = _Parser(out, root)
    for obj in json_objects(text, "stream-json line"):
        if isinstance(obj, str):
            out.error = out.error or obj
        else:
            parser.feed(obj)
    parser.finish()
    return out


class _Parser:
    def __init__(self, out: ClaudeStream, root: Path | None) -> None:
        self.out = out
        self.root = root
        self.message_usage: dict[str, dict[str, Any]] = {}
        self.seen_blocks: set[int] = set()
        self.rate_limited: str | None = None
        self.result_usage: Usage | None = None

    def feed(self, obj: dict[str, Any]) -> None:
        kind = obj.get("type")
        if isinstance(obj.get("session_id"), str):
            self.out.session_id = obj["session_id"]
        if kind == "assistant":
            self._assistant(obj.get("message") or {})
        elif kind == "system" and obj.get("subtype") == "compact_boundary":
            # The stream spells it compact_metadata{pre_tokens}; session files compactMetadata{preTokens}.
            meta = obj.get("compact_metadata") or obj.get("compactMetadata") or {}
            tokens = meta.get("pre_tokens", meta.get("preTokens", "?"))
            text = f"context compacted ({meta.get('trigger', 'auto')}; {tokens} tokens before)"
            self.out.events.append(TranscriptEvent(kind=EventKind.MESSAGE, role="system", text=text))
        elif kind == "user":
            self._user(obj.get("message") or {})
        elif kind == "rate_limit_event":
            info = obj.get("rate_limit_info") or {}
            if info.get("status") == "rejected":
                resets = info.get("resetsAt")
                self.rate_limited = f"rate limit reached ({info.get('rateLimitType', 'unknown')})" + (
                    f", resets at {resets}" if resets else ""
                )
        elif kind == "result":
            self._result(obj)

    def _assistant(self, message: dict[str, Any]) -> None:
        message_id = str(message.get("id") or f"anon-{len(self.message_usage)}")
        if isinstance(message.get("usage"), dict):
            self.message_usage[message_id] = message["usage"]  # the last line of a response wins
        synthetic = message.get("model") == SYNTHETIC_MODEL
        for index, block in enumerate(message.get("content") or []):
            if not isinstance(block, dict):
                continue
            key = hash(
                f"{message_id}:{index}:{json.dumps(block, sort_keys=True)}"
            )  # a repeat line re-sends blocks
            if key in self.seen_blocks:
                continue
            self.seen_blocks.add(key)
            if synthetic:
                if block.get("type") == "text":
                    self.out.events.append(TranscriptEvent(kind=EventKind.ERROR, text=str(block.get("text"))))
                    self.rate_limited = self.rate_limited or str(block.get("text"))
                continue
            self._block(block)

    def _block(self, block: dict[str, Any]) -> None:
        kind = block.get("type")
        if kind == "text":
            text = str(block.get("text", ""))
            self.out.final_text = text
            self.out.events.append(TranscriptEvent(kind=EventKind.MESSAGE, role="assistant", text=text))
        elif kind == "thinking":
            self.out.events.append(TranscriptEvent(kind=EventKind.REASONING, text=str(block.get("thinking"))))
        elif kind == "tool_use":
            self._tool_use(block)

    def _tool_use(self, block: dict[str, Any]) -> None:
        name = str(block.get("name", ""))
        raw_args = block.get("input")
        args: dict[str, Any] = raw_args if isinstance(raw_args, dict) else {}
        call_id = str(block.get("id", ""))
        self.out.events.append(
            TranscriptEvent(kind=EventKind.TOOL_CALL, name=name, call_id=call_id, data=args)
        )
        if name == "Bash" and "command" in args:
            self.out.events.append(
                TranscriptEvent(kind=EventKind.COMMAND, text=str(args["command"]), call_id=call_id)
            )
        raw_path = args.get("file_path") or args.get("notebook_path")
        if name in EDIT_TOOLS and raw_path:
            path = relative_path(str(raw_path), self.root)
            self.out.edited_paths.add(path)
            self.out.events.append(
                TranscriptEvent(
                    kind=EventKind.FILE_CHANGE, name=str(path), call_id=call_id, data={"tool": name}
                )
            )

    def _user(self, message: dict[str, Any]) -> None:
        content = message.get("content")
        if not isinstance(content, list):
            return
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                self.out.events.append(
                    TranscriptEvent(
                        kind=EventKind.TOOL_RESULT,
                        call_id=str(block.get("tool_use_id", "")),
                        text=clip(_result_text(block.get("content"))),
                        data={"is_error": bool(block.get("is_error"))},
                    )
                )

    def _result(self, obj: dict[str, Any]) -> None:
        self.out.has_result = True
        cost = obj.get("total_cost_usd", obj.get("cost_usd"))
        if cost is None and isinstance(obj.get("modelUsage"), dict):
            cost = sum(
                float(m.get("costUSD", 0.0)) for m in obj["modelUsage"].values() if isinstance(m, dict)
            )
        usage = _usage(obj.get("usage") or {}, float(cost or 0.0))
        self.result_usage = usage
        result_text = str(obj.get("result") or "")
        subtype = str(obj.get("subtype", ""))
        if subtype in LIMIT_SUBTYPES:
            self.out.limit_reached = subtype.removeprefix("error_")
        elif obj.get("is_error") or subtype.startswith("error"):
            status = obj.get("api_error_status")
            detail = result_text or subtype or "unknown error"
            self.out.error = (
                f"claude reported an error{f' (HTTP {status})' if status else ''}: {clip(detail, 300)}"
            )
        elif result_text:
            self.out.final_text = result_text
        for denial in obj.get("permission_denials") or []:
            if isinstance(denial, dict):  # a tool the agent wanted but headless Claude may not ask for
                name = str(denial.get("tool_name", "?"))
                detail = clip(json.dumps(denial.get("tool_input"), default=str), 200)
                text = f"permission denied: {name} {detail}"
                self.out.events.append(TranscriptEvent(kind=EventKind.ERROR, name=name, text=text))

    def finish(self) -> None:
        if self.result_usage is not None:
            self.out.usage = self.result_usage
        else:
            self.out.usage = sum((_usage(u, 0.0) for u in self.message_usage.values()), Usage())
        if self.rate_limited:
            self.out.error = f"rate limited: {self.rate_limited}"


def _usage(raw: dict[str, Any], cost: float) -> Usage:
    cache_read = int(raw.get("cache_read_input_tokens") or 0)
    cache_write = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0) + cache_read + cache_write,
        output_tokens=int(raw.get("output_tokens") or 0),
        cached_tokens=cache_read,
        cost_usd=cost,
    )


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [str(c.get("text", "")) for c in content if isinstance(c, dict)]
        return "\n".join(parts)
    return "" if content is None else json.dumps(content)
