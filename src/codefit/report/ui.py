"""`codefit ui`: the report's views served on loopback, following runs as they are recorded.

GET /                 the viewer page (the HTML report's page in polling mode)
GET /api/runs         the run list, newest first, with each run's recorded step count
GET /api/runs/<id>    one run's trajectory (what the HTML report embeds)

Each request opens the store afresh: SQLite connections stay in their thread, and WAL lets a run
in progress keep writing while the page reads.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from codefit.errors import CodefitError
from codefit.report.html import render_page
from codefit.report.trajectory import run_trajectory
from codefit.store import Store

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
LIST_LIMIT = 200


class UIError(CodefitError):
    """The UI server cannot start as asked."""


def run_listing(store: Store, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    out = []
    for run in store.runs(limit=limit):
        steps = store.steps(run.id)
        last = steps[-1] if steps else None
        out.append(
            {
                "id": run.id,
                "status": run.status.value,
                "optimizer": run.optimizer,
                "created": run.created,
                "updated": run.updated,
                "recorded_steps": len(steps),
                "steps": max(len(steps) - 1, 0),
                "train": last.train_score if last else None,
                "validation": last.val_score if last else None,
                "parent_run": run.parent_run,
            }
        )
    return out


class UIServer:
    """A loopback HTTP server over one project's store. `port=0` picks a free port."""

    def __init__(
        self, store_root: Path, host: str = "127.0.0.1", port: int = 8765, poll_ms: int = 1500
    ) -> None:
        if host not in LOOPBACK:
            raise UIError(f"the UI only listens on loopback (127.0.0.1, ::1), not {host!r}")
        self.store_root = store_root
        self.poll_ms = poll_ms
        try:
            self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        except OSError as exc:
            raise UIError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{'[' + host_text + ']' if ':' in host_text else host_text}:{port}/"

    def page(self) -> str:
        data = {"live": True, "runs": [], "comparison": None, "poll_ms": self.poll_ms}
        return render_page(data, title="codefit runs", subtitle="live")

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> UIServer:
        """Serve from a background thread (tests, notebooks)."""
        self._thread = threading.Thread(target=self.serve_forever, name="codefit-ui", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()

    def respond(self, path: str) -> tuple[HTTPStatus, str, bytes]:
        """(status, content type, body) for a GET of `path`."""
        route = urlparse(path).path
        if route in ("/", "/index.html"):
            return HTTPStatus.OK, "text/html; charset=utf-8", self.page().encode()
        if route == "/favicon.ico":
            return HTTPStatus.NO_CONTENT, "image/x-icon", b""
        store = Store(self.store_root)
        try:
            if route == "/api/runs":
                return _json({"runs": run_listing(store)})
            if route.startswith("/api/runs/"):
                run_id = unquote(route.removeprefix("/api/runs/"))
                try:
                    run = store.run(run_id)
                except CodefitError as exc:
                    return _json({"error": exc.message}, HTTPStatus.NOT_FOUND)
                return _json(run_trajectory(store, run))
        finally:
            store.close()
        return _json({"error": f"no such page: {route}"}, HTTPStatus.NOT_FOUND)


def _json(payload: Any, status: HTTPStatus = HTTPStatus.OK) -> tuple[HTTPStatus, str, bytes]:
    return status, "application/json", json.dumps(payload, default=str).encode()


def _handler_for(server: UIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server dispatches to
            try:
                status, content_type, body = server.respond(self.path)
            except Exception as exc:  # one bad request must not take the server down
                status, content_type, body = _json({"error": f"{type(exc).__name__}: {exc}"}, HTTPStatus(500))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the terminal belongs to the user."""

    return Handler
