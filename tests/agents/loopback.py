"""A scripted OpenAI-compatible chat endpoint on 127.0.0.1, served from a thread (stdlib only)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any] | tuple[int, dict[str, Any]]
Script = Callable[[dict[str, Any]], Reply]


def tool_calls(*calls: tuple[str, dict[str, Any]], usage: tuple[int, int] = (100, 20)) -> dict[str, Any]:
    """A chat completion asking for the given tool calls."""
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{uuid.uuid4().hex[:8]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in calls
        ],
    }
    return completion(message, "tool_calls", usage)


def text(content: str, usage: tuple[int, int] = (100, 20)) -> dict[str, Any]:
    return completion({"role": "assistant", "content": content}, "stop", usage)


def completion(message: dict[str, Any], finish: str, usage: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:8]}",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "loopback-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    }


class Loopback:
    """Answers each POST to /v1/chat/completions with the next scripted reply; records requests."""

    def __init__(self, replies: list[Reply | Script]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""

    def next_reply(self, request: dict[str, Any]) -> Reply:
        self.requests.append(request)
        if not self.replies:
            return 500, {"error": {"message": "script exhausted", "type": "server_error"}}
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply


@contextmanager
def serve(replies: list[Reply | Script]) -> Iterator[Loopback]:
    loopback = Loopback(replies)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            reply = loopback.next_reply(request)
            status, body = reply if isinstance(reply, tuple) else (200, reply)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    loopback.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield loopback
    finally:
        server.shutdown()
        server.server_close()
