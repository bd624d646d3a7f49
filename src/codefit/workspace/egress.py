"""Per-host egress for sandboxed optimizers: an allow-listing HTTP proxy and the relay that reaches it.

bubblewrap can share the network or cut it, not filter it by host. So under `allow_hosts` the
sandbox keeps its own network namespace (loopback only) and everything leaves through codefit:

    sandbox: command --HTTP(S)_PROXY--> relay on 127.0.0.1 --Unix socket--> EgressProxy --> host

- `EgressProxy` is a thread of codefit's own process listening on a Unix socket in a private
  directory. It takes `CONNECT host:port` (HTTPS tunnels) and plain-HTTP absolute-URI requests,
  forwards those its `AllowList` matches, answers the others 403 and records them (`refused`).
- The relay is this file run as a script by codefit's interpreter inside the sandbox
  (`relay_argv`): it listens on 127.0.0.1 in the sandbox's namespace, forwards each connection to
  the socket, points the proxy variables at itself and runs the command as its child, exiting
  with the child's status. A program that ignores the proxy variables reaches nothing at all.

Stdlib only, and nothing of codefit imported: the relay starts with `python -I -S` (about 20 ms,
where importing codefit would cost ten times that).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

CONNECT_PORT, HTTP_PORT = 443, 80
CHUNK = 64 * 1024  # the most one tunnel holds in flight per direction: nothing buffers more
HEAD_LIMIT = 16 * 1024
HEAD_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 30.0
# Long enough for a model's slowest streamed answer, short enough that a dead tunnel goes away.
IDLE_TIMEOUT_S = 600.0
MAX_CONNECTIONS = 64
REFUSED_LIMIT = 32  # distinct destinations kept: enough to see what a step wanted, never more
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
FORWARDED_SIGNALS = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)

_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")
_IPV6 = re.compile(r"[0-9a-f:.]+")


# --- the allow-list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostRule:
    """One `allow_hosts` entry: `host`, `host:port` or `*.suffix` (any name below `suffix`, not
    `suffix` itself). Without a port it allows the request's default port: 443 for a CONNECT
    tunnel, 80 for plain HTTP."""

    host: str
    port: int | None = None
    wildcard: bool = False

    def matches(self, host: str, port: int, default_port: int) -> bool:
        if port != (self.port if self.port is not None else default_port):
            return False
        return host.endswith("." + self.host) if self.wildcard else host == self.host


@dataclass(frozen=True)
class AllowList:
    rules: tuple[HostRule, ...]

    @classmethod
    def parse(cls, entries: Sequence[str]) -> AllowList:
        return cls(tuple(parse_rule(entry) for entry in entries))

    def allows(self, host: str, port: int, default_port: int) -> bool:
        return any(rule.matches(host, port, default_port) for rule in self.rules)


def parse_rule(entry: str) -> HostRule:
    """The rule an `allow_hosts` entry names; ValueError saying which entry and why otherwise."""
    text = entry.strip().lower()
    if "/" in text:
        raise ValueError(f"allow_hosts entry {entry!r}: give a host, host:port or *.suffix, not a URL")
    split = split_destination(text, None)
    if split is None:
        raise ValueError(f"allow_hosts entry {entry!r}: not a host, host:port or *.suffix")
    host, port = split
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    if not (_NAME.fullmatch(name) or (":" in name and _IPV6.fullmatch(name))):
        raise ValueError(f"allow_hosts entry {entry!r}: {host!r} is not a host name or address")
    return HostRule(name, port, wildcard)


def check_allow_hosts(entries: list[str]) -> list[str]:
    """`entries` unchanged when every one parses (for option validators)."""
    AllowList.parse(entries)
    return entries


def split_destination(text: str, default_port: int | None) -> tuple[str, int | None] | None:
    """`host[:port]`, `[v6]` or `[v6]:port` as (host lowercased without brackets or a final dot,
    port or `default_port`); None when malformed."""
    text = text.strip().lower()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else None
        if rest and port_text is None:
            return None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, None  # a name, or a bare IPv6 address
    host = host.rstrip(".")
    if not host:
        return None
    if port_text is None:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return host, int(port_text)


def display(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --- moving bytes -----------------------------------------------------------------------------------


def pump(a: socket.socket, b: socket.socket, idle_timeout_s: float) -> None:
    """Copy bytes both ways until both sides have closed, an error, or `idle_timeout_s` without
    traffic. At most one CHUNK per direction is ever held; a peer that stops reading stalls its
    sender (and, after the idle timeout, ends the tunnel) instead of filling a buffer."""
    for sock in (a, b):
        sock.settimeout(idle_timeout_s)  # bounds sendall() to a peer that never reads
    peers = {a.fileno(): (a, b), b.fileno(): (b, a)}
    poller = select.poll()
    for fd in peers:
        poller.register(fd, select.POLLIN)
    while peers:
        ready = poller.poll(idle_timeout_s * 1000)
        if not ready:
            return
        for fd, _ in ready:
            source, target = peers[fd]
            try:
                chunk = source.recv(CHUNK)
                if chunk:
                    target.sendall(chunk)
                    continue
            except OSError:
                return
            poller.unregister(fd)
            del peers[fd]
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)


def read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The request head (up to the blank line) and what came after it; None when the head is cut
    short, slow or longer than HEAD_LIMIT."""
    sock.settimeout(HEAD_TIMEOUT_S)
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > HEAD_LIMIT:
            return None
        try:
            chunk = sock.recv(CHUNK)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def reply(sock: socket.socket, status: int, reason: str, text: str) -> None:
    body = text.encode() + b"\n"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        sock.settimeout(HEAD_TIMEOUT_S)
        sock.sendall(head.encode() + body)


def serve_connections(
    listener: socket.socket,
    max_connections: int,
    handle: Callable[[socket.socket], None],
    when_full: Callable[[socket.socket], None],
) -> None:
    """Accept until `listener` is shut down, each connection handled (then closed) in a thread of
    its own; beyond `max_connections` at once, `when_full` answers instead."""
    slots = threading.BoundedSemaphore(max_connections)

    def run(conn: socket.socket) -> None:
        try:
            with conn:
                handle(conn)
        except OSError:
            pass  # a peer went away: nothing to tell anyone
        finally:
            slots.release()

    while True:
        try:
            conn, _ = listener.accept()
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.EBADF):
                return  # shut down
            time.sleep(0.05)  # out of file descriptors or memory: wait rather than spin
            continue
        if not slots.acquire(blocking=False):
            with conn:
                when_full(conn)
            continue
        threading.Thread(target=run, args=(conn,), daemon=True).start()


# --- the proxy (in codefit's process) ----------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """Where a proxy request goes, and the bytes to send there first."""

    host: str
    port: int
    tunnel: bool
    first: bytes


def parse_request(head: bytes, rest: bytes) -> Request | str:
    """A CONNECT or absolute-URI plain-HTTP request, or why it cannot be proxied."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return "malformed request line"
    method, target, version = parts
    if method.upper() == "CONNECT":
        split = split_destination(target, CONNECT_PORT)
        if split is None or split[1] is None:
            return f"malformed CONNECT target {target!r}"
        return Request(split[0], split[1], True, rest)
    if not target.lower().startswith("http://"):
        return "only CONNECT and absolute http:// requests are proxied"
    authority, slash, path = target[len("http://") :].partition("/")
    authority, query_mark, query = authority.partition("?")
    split = split_destination(authority.rpartition("@")[2], HTTP_PORT)
    if split is None or split[1] is None:
        return f"malformed URL {target!r}"
    origin_form = "/" + path if slash else "/" + (query_mark + query if query_mark else "")
    # One request per connection: a second one on a kept-alive connection must not ride to this host.
    kept = [line for line in lines[1:] if not line.lower().startswith(("proxy-", "connection:"))]
    new_head = "\r\n".join([f"{method} {origin_form} {version}", *kept, "Connection: close"])
    return Request(split[0], split[1], False, new_head.encode("latin-1") + b"\r\n\r\n" + rest)


class EgressProxy:
    """An allow-listing HTTP proxy on a Unix socket, for one optimizer step (a context manager).

    At most `max_connections` at once (the next ones get 503), a tunnel closes after
    `idle_timeout_s` without traffic, and a refused destination is recorded in `refused`."""

    def __init__(
        self,
        allow: AllowList,
        *,
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
    ) -> None:
        self.allow = allow
        self.idle_timeout_s = idle_timeout_s
        self._refused: dict[str, None] = {}  # insertion-ordered set
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._dir = Path(tempfile.mkdtemp(prefix="codefit-egress-", dir=_short_tmp()))
        self.socket_path = self._dir / "proxy.sock"
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listener.bind(str(self.socket_path))
            self._listener.listen(max_connections)
        except OSError:
            self._listener.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        self._thread = threading.Thread(
            target=serve_connections,
            args=(self._listener, max_connections, self._serve_tracked, self._busy),
            daemon=True,
            name="codefit-egress",
        )
        self._thread.start()

    @property
    def socket_dir(self) -> Path:
        return self._dir

    @property
    def refused(self) -> tuple[str, ...]:
        """Distinct refused destinations (`host:port`), first REFUSED_LIMIT of them, in order."""
        with self._lock:
            return tuple(self._refused)

    def close(self) -> None:
        """Stop listening and cut every open tunnel: the step is over."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() at once
        self._listener.close()
        self._thread.join(timeout=5)
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> EgressProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _serve_tracked(self, client: socket.socket) -> None:
        with self._tracked(client):
            self.serve(client)

    @staticmethod
    def _busy(client: socket.socket) -> None:
        reply(client, 503, "Service Unavailable", "too many connections through codefit's egress proxy")

    def serve(self, client: socket.socket) -> None:
        head = read_head(client)
        if head is None:
            reply(client, 400, "Bad Request", "incomplete or oversized request head")
            return
        request = parse_request(*head)
        if isinstance(request, str):
            reply(client, 400, "Bad Request", request)
            return
        default_port = CONNECT_PORT if request.tunnel else HTTP_PORT
        destination = display(request.host, request.port)
        if not self.allow.allows(request.host, request.port, default_port):
            self._refuse(destination)
            reply(client, 403, "Forbidden", f"egress to {destination} is not in codefit's allow_hosts")
            return
        try:
            upstream = socket.create_connection((request.host, request.port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            reply(client, 502, "Bad Gateway", f"cannot reach {destination}: {exc.strerror or exc}")
            return
        with upstream, self._tracked(upstream):
            try:
                if request.tunnel:
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if request.first:
                    upstream.sendall(request.first)
            except OSError:
                return
            pump(client, upstream, self.idle_timeout_s)

    def _refuse(self, destination: str) -> None:
        with self._lock:
            if len(self._refused) < REFUSED_LIMIT:
                self._refused[destination] = None

    @contextlib.contextmanager
    def _tracked(self, sock: socket.socket) -> Iterator[None]:
        with self._lock:
            self._open.add(sock)
        try:
            yield
        finally:
            with self._lock:
                self._open.discard(sock)


def _short_tmp() -> str:
    """/tmp when it exists: a Unix socket's path must stay under 108 bytes, whatever TMPDIR is."""
    return "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()


# --- the relay (inside the sandbox) -------------------------------------------------------------------


def relay_argv(socket_path: Path, argv: Sequence[str]) -> list[str]:
    """`argv` run by the relay: codefit's interpreter, isolated (`-I`: no cwd, no PYTHON* variables)
    and without site (`-S`: stdlib only), running this file."""
    return [sys.executable, "-I", "-S", str(Path(__file__).resolve()), str(socket_path), "--", *argv]


def proxy_env(port: int) -> dict[str, str]:
    """The variables that send a command's HTTP(S) through the relay; loopback stays direct."""
    url = f"http://127.0.0.1:{port}"
    env = {name: url for name in PROXY_VARIABLES}
    env["NO_PROXY"] = "localhost,127.0.0.1"
    return {**env, **{name.lower(): value for name, value in env.items()}}


def relay_main(args: Sequence[str]) -> int:
    """`SOCKET -- COMMAND...`: relay 127.0.0.1 to SOCKET while COMMAND runs; COMMAND's exit status
    (128 + N when a signal N ended it, as a shell says)."""
    if len(args) < 3 or args[1] != "--":
        print("usage: egress.py SOCKET -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    socket_path, argv = args[0], list(args[2:])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    forward = functools.partial(_relay_one, socket_path=socket_path)
    threading.Thread(
        target=serve_connections, args=(listener, MAX_CONNECTIONS, forward, _drop), daemon=True
    ).start()
    env = {**os.environ, **proxy_env(listener.getsockname()[1])}
    # Handlers first: a signal that comes while the child starts is held, then forwarded.
    started: list[subprocess.Popen[bytes]] = []
    held: list[int] = []

    def pass_on(got: int, _frame: object) -> None:
        if started:
            started[0].send_signal(got)
        else:
            held.append(got)

    for number in FORWARDED_SIGNALS:
        signal.signal(number, pass_on)
    try:
        # stdin, stdout and stderr are the child's own: the relay never reads or writes them.
        child = subprocess.Popen(argv, env=env)
    except OSError as exc:
        print(f"codefit egress relay: cannot run {argv[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 126 if isinstance(exc, PermissionError) else 127
    started.append(child)
    for pending in held:
        child.send_signal(pending)
    status = child.wait()
    return status if status >= 0 else 128 - status


def _relay_one(conn: socket.socket, socket_path: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
        upstream.settimeout(CONNECT_TIMEOUT_S)
        upstream.connect(socket_path)  # OSError: the client sees its connection close
        pump(conn, upstream, IDLE_TIMEOUT_S)


def _drop(conn: socket.socket) -> None:
    """Over the relay's cap: the connection is closed unanswered (the proxy caps too, with a 503)."""


if __name__ == "__main__":
    # os._exit: the relay's daemon threads may still hold tunnels; nothing of them must delay the status.
    os._exit(relay_main(sys.argv[1:]))
