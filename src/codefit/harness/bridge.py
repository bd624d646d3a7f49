"""A Unix-socket bridge from inside the sandbox to the harness, for the MCP server's tools.

The optimizer's sandbox cannot see the held-out tests or the store, so the MCP server it starts
is only a proxy: `submit` and friends travel over this socket to the loop's process, which grades
and answers at the split's feedback level. The socket sits in the workspace (the one directory
the sandbox shares) and is kept out of checkpoints.
One JSON line each way: {"op": "...", "args": {...}} -> {"ok": true, "text": "..."}.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from codefit.errors import CodefitError

SOCKET_NAME = ".codefit-harness.sock"
# How often the serving thread looks for the end of the step: leaving the block waits up to this
# long (socketserver's default, 0.5 s, was a quarter second of every step on average).
POLL_S = 0.02
Handler = Callable[[Mapping[str, Any]], str]


class BridgeError(CodefitError):
    """The harness bridge cannot be reached or refused a request."""


@contextlib.contextmanager
def serve_bridge(workspace: Path, handlers: Mapping[str, Handler]) -> Iterator[Path]:
    """Answer requests on `workspace/SOCKET_NAME` while the block runs."""
    path = workspace / SOCKET_NAME
    path.unlink(missing_ok=True)

    class RequestHandler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            try:
                request = json.loads(self.rfile.readline() or b"{}")
                handler = handlers.get(str(request.get("op")))
                if handler is None:
                    reply = {"ok": False, "error": f"unknown operation {request.get('op')!r}"}
                else:
                    reply = {"ok": True, "text": handler(request.get("args") or {})}
            except Exception as exc:  # a failing tool call is the agent's answer, not the loop's end
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            self.wfile.write((json.dumps(reply) + "\n").encode())

    with _in_directory(workspace):  # a relative name dodges the 108-byte limit on socket paths
        server = socketserver.UnixStreamServer(SOCKET_NAME, RequestHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_S}, name="codefit-bridge", daemon=True
    )
    thread.start()
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()
        path.unlink(missing_ok=True)


def call(workspace: Path, op: str, args: Mapping[str, Any] | None = None, timeout_s: float = 1800) -> str:
    """Ask the harness serving `workspace` to run `op`; returns its text answer."""
    if not (workspace / SOCKET_NAME).exists():
        raise BridgeError("no codefit run is serving this workspace right now", where=str(workspace))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        with _in_directory(workspace):
            sock.connect(SOCKET_NAME)
        sock.sendall((json.dumps({"op": op, "args": dict(args or {})}) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data or b"{}")
    if not reply.get("ok"):
        raise BridgeError(str(reply.get("error", "no answer")), where=op)
    return str(reply["text"])


@contextlib.contextmanager
def _in_directory(path: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
