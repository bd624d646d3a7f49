"""Parse Claude Code's `--output-format stream-json` output into codefit's transcript.

One JSON object per line: `system` (init, compact_boundary, hooks), `assistant` (one API response,
possibly over several lines sharing `message.id`: merged, last usage kept), `user` (tool results),
`rate_limit_event`, `stream_event` (partial deltas, ignored: the full `assistant` lines follow), and
a final `result` with cost, usage and `permission_denials`. Unknown types are ignored; text lines
(banners, `[WARN] ...` stderr noise) are skipped; a line that starts with `{` but does not parse
means the stream is corrupt.

As measured with claude 2.1.332 (tests/real_agents): a failed API call ends the run with a
`<synthetic>` assistant line whose top-level `error` names the failure (`authentication_failed`,
`rate_limit`, ...; with `api_error_status`), then an `is_error` result; a run stopped by
`--max-turns` / `--max-budget-usd` ends with `subtype: error_max_turns|error_max_budget_usd`,
`errors[...]` and exit 1 (its edits stand and its session can be resumed). `result.usage` is the
run's own, but `total_cost_usd` is the session's running total after `--resume`: the caller
subtracts what the session had cost before (`session_cost_usd`). A model Claude Code has no price
for is priced at a guess, `modelUsage[M].costBasis == "unknown"`: reported in `unpriced_models`.
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
RATE_LIMIT = "rate_limit"
# What the synthetic message's `error` (or the result's `api_error_type`) names, as a step error says it.
API_ERRORS = {
    "authentication_failed": "authentication failed",
    "authentication_error": "authentication failed",
    "permission_error": "permission denied by the API",
    "billing_error": "billing error",
    RATE_LIMIT: "rate limited",
    "rate_limit_error": "rate limited",
    "overloaded_error": "API overloaded",
    "invalid_request": "invalid request",
    "invalid_request_error": "invalid request",
    "server_error": "API server error",
    "api_error": "API server error",
}


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
    session_cost_usd: float | None = None  # the result's total_cost_usd: the session's, after --resume
    unpriced_models: list[str] = field(default_factory=list)


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
        self.api_error: str | None = None  # a synthetic message that names its failure
        self.synthetic_text: str | None = None  # one that does not
        self.result_usage: Usage | None = None

    def feed(self, obj: dict[str, Any]) -> None:
        kind = obj.get("type")
        if isinstance(obj.get("session_id"), str):
            self.out.session_id = obj["session_id"]
        if kind == "assistant":
            message = obj.get("message") or {}
            if message.get("model") == SYNTHETIC_MODEL:
                self._synthetic(obj, message)
            else:
                self._assistant(message)
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
        for index, block in enumerate(message.get("content") or []):
            if not isinstance(block, dict):
                continue
            key = hash(
                f"{message_id}:{index}:{json.dumps(block, sort_keys=True)}"
            )  # a repeat line re-sends blocks
            if key in self.seen_blocks:
                continue
            self.seen_blocks.add(key)
            self._block(block)

    def _synthetic(self, line: dict[str, Any], message: dict[str, Any]) -> None:
        """The CLI's own message in the model's place: an API failure, named by `line["error"]`
        (no `error`, as in older versions: the text is the error; not necessarily a rate limit)."""
        text = " ".join(
            str(b.get("text", "")) for b in message.get("content") or [] if isinstance(b, dict)
        ).strip()
        code = str(line.get("error") or "")
        status = line.get("api_error_status")
        label = API_ERRORS.get(code, code.replace("_", " ")) if code else "claude"
        detail = f"{label}{f' (HTTP {status})' if status else ''}: {text or 'no message'}"
        self.out.events.append(TranscriptEvent(kind=EventKind.ERROR, name=code, text=detail))
        if code:
            self.api_error = self.api_error or detail
        else:
            self.synthetic_text = self.synthetic_text or text or "no message"

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
        self.out.session_cost_usd = None if cost is None else float(cost)
        self.out.unpriced_models = _unpriced(obj.get("modelUsage"))
        result_text = str(obj.get("result") or "")
        subtype = str(obj.get("subtype", ""))
        errors = "; ".join(str(e) for e in obj.get("errors") or [])
        if subtype in LIMIT_SUBTYPES:
            reason = subtype.removeprefix("error_")
            self.out.limit_reached = f"{reason} ({errors})" if errors else reason
        elif obj.get("is_error") or subtype.startswith("error"):
            status = obj.get("api_error_status")
            kind = API_ERRORS.get(str(obj.get("api_error_type") or ""), "claude reported an error")
            detail = result_text or errors or subtype or "unknown error"
            self.out.error = f"{kind}{f' (HTTP {status})' if status else ''}: {clip(detail, 300)}"
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
        if self.api_error:  # names the failure better than the result's copy of its text
            self.out.error = self.api_error
        elif self.rate_limited:
            self.out.error = f"rate limited: {self.rate_limited}"
        elif self.synthetic_text:
            self.out.error = f"claude: {self.synthetic_text}"


def _usage(raw: dict[str, Any], cost: float) -> Usage:
    cache_read = int(raw.get("cache_read_input_tokens") or 0)
    cache_write = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0) + cache_read + cache_write,
        output_tokens=int(raw.get("output_tokens") or 0),
        cached_tokens=cache_read,
        cost_usd=cost,
    )


def _unpriced(model_usage: Any) -> list[str]:
    """Models the CLI priced at a guess (`costBasis: "unknown"`)."""
    if not isinstance(model_usage, dict):
        return []
    return sorted(
        str(name)
        for name, usage in model_usage.items()
        if isinstance(usage, dict) and usage.get("costBasis") == "unknown"
    )


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [str(c.get("text", "")) for c in content if isinstance(c, dict)]
        return "\n".join(parts)
    return "" if content is None else json.dumps(content)
