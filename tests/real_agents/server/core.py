"""The HTTP side of the scripted model server: one loopback listener, routes per API, a record
of every request, and the script the agent requests consume in order."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .script import SCRIPT_EXHAUSTED, Billed, Step, Turn

# Loopback, but not 127.0.0.1: inside codefit's sandbox the egress relay sends 127.0.0.1 direct
# (NO_PROXY), to the sandbox's own loopback where nothing listens; 127.0.0.2 goes through the
# proxy (allowed by `allow_hosts = [server.host]`) to this server. Linux routes all of 127/8 to lo.
LOOPBACK = "127.0.0.2"


@dataclass(frozen=True)
class Request:
    """One request as the server saw it. `turn` is the scripted turn it got (None for requests
    that consume no turn: side calls, probes, unknown paths); `index` its position in the script."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    api: str
    turn: Turn | None = None
    index: int | None = None


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: list[bytes] | None = None  # SSE events, flushed one by one


class Api(Protocol):
    """One API module: which paths it owns and how it answers them."""

    name: str

    def owns(self, method: str, path: str) -> bool: ...

    def consumes_turn(self, method: str, path: str, body: Any) -> bool: ...

    def answer(self, method: str, path: str, body: Any, turn: Turn | None) -> Response: ...


class Script:
    """The turns left, shared by every API of one server; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: list[Step] = []
        self.served = 0

    def extend(self, steps: list[Step]) -> None:
        with self._lock:
            self._steps.extend(steps)

    def next(self, body: Any) -> tuple[Turn, int]:
        with self._lock:
            index = self.served
            self.served += 1
            step = self._steps.pop(0) if self._steps else SCRIPT_EXHAUSTED
        turn = step(body) if callable(step) else step
        return turn, index

    def discard(self) -> int:
        """Drop the turns left (a CLI stopped early never asked for them); how many there were."""
        with self._lock:
            dropped, self._steps = len(self._steps), []
        return dropped

    @property
    def left(self) -> int:
        with self._lock:
            return len(self._steps)


class ModelServer:
    """A scripted model endpoint on loopback (`LOOPBACK`, ephemeral port). See the package docstring."""

    def __init__(self, apis: list[Api], address: str = LOOPBACK) -> None:
        self.apis = apis
        self.address = address
        self.script = Script()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self.port = 0

    # --- for tests ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"{self.address}:{self.port}"

    @property
    def url(self) -> str:
        """`http://127.0.0.2:PORT` (Claude Code's ANTHROPIC_BASE_URL; add `/v1` for OpenAI clients)."""
        return f"http://{self.host}"

    def add(self, *steps: Step) -> None:
        """Append turns to the script."""
        self.script.extend(list(steps))

    def turns(self, api: str | None = None) -> list[Request]:
        """The requests that consumed a scripted turn, in order (optionally of one API)."""
        with self._lock:
            return [r for r in self.requests if r.turn is not None and api in (None, r.api)]

    def billed(self, since: int = 0, until: int | None = None) -> Billed:
        """The tokens billed by the turns served at script positions `since` to `until` (excluded;
        None: to the end). Error turns bill nothing."""
        total = Billed(0, 0, 0, 0, 0)
        end = self.script.served if until is None else until
        for request in self.turns():
            if request.index is not None and since <= request.index < end and request.turn is not None:
                u = request.turn.usage if not request.turn.is_error else Billed(0, 0, 0, 0, 0)
                total = Billed(
                    total.input + u.input,
                    total.output + u.output,
                    total.cache_read + u.cache_read,
                    total.cache_write + u.cache_write,
                    total.reasoning + u.reasoning,
                )
        return total

    # --- for the handler -----------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Response:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        clean = path.split("?", 1)[0]
        api = next((a for a in self.apis if a.owns(method, clean)), None)
        if api is None:
            self._record(Request(method, path, headers, body, "unknown"))
            return Response(404, {"Content-Type": "application/json"}, b'{"error":"not found"}')
        turn, index = (None, None)
        if api.consumes_turn(method, clean, body):
            turn, index = self.script.next(body)
        self._record(Request(method, path, headers, body, api.name, turn, index))
        return api.answer(method, clean, body, turn)

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


@contextmanager
def serving(server: ModelServer) -> Iterator[ModelServer]:
    """Serve `server` from a thread while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = server.handle(self.command, self.path, headers, raw)
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            if response.stream is None:
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in response.stream:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer((server.address, 0), Handler)
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, name="scripted-model", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()
    )


def sse(events: list[tuple[str | None, Any]]) -> Response:
    """A `text/event-stream` response; `(None, "[DONE]")` writes a bare data line."""
    chunks = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        chunks.append(((f"event: {name}\n" if name else "") + f"data: {text}\n\n").encode())
    return Response(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, stream=chunks)
