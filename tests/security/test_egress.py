"""`allow_hosts`: the sandbox reaches the listed hosts through codefit's egress proxy, and nothing else.

A loopback HTTP server on the host stands in for the model endpoint; no test touches any other
address. The sandboxed commands unset NO_PROXY first: it sends 127.0.0.1 direct, which is right
for a real run (the sandbox's own loopback) but would bypass the proxy for this stand-in.
"""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import ValidationError

from codefit.optimizers.agents.common import AgentOptions, agent_env
from codefit.optimizers.agents.process import AgentRun, run_agent
from codefit.optimizers.agents.step import run_step, step_result
from codefit.optimizers.base import EventKind, StepStatus, Usage
from codefit.optimizers.command import CommandOptimizer, CommandOptimizerOptions
from codefit.workspace import egress, sandbox
from codefit.workspace.egress import AllowList, EgressProxy, parse_rule
from codefit.workspace.sandbox import SandboxError, SandboxSpec, egress_for, wrap_command
from tests.conftest import MakeRepo, bare_step_state, needs_bwrap


class Endpoint:
    """A loopback HTTP server answering every GET with `endpoint <port>`; counts what it served."""

    def __init__(self) -> None:
        self.served = [0]
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.served[0] += 1
                body = f"endpoint {endpoint.port}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


@pytest.fixture
def other_endpoint() -> Iterator[Endpoint]:
    """A second server: one the allow-list does not name, which would answer if it were reached."""
    server = Endpoint()
    yield server
    server.close()


# A sandboxed client: `get PORT` (plain HTTP through the proxy), `tunnel PORT` (a CONNECT tunnel,
# as HTTPS uses, carrying plain HTTP here), `direct PORT` (no proxy); each prints one line.
CLIENT = textwrap.dedent(
    """
    import http.client, os, socket, sys, urllib.error, urllib.request
    for name in ("NO_PROXY", "no_proxy"):
        os.environ.pop(name, None)
    proxy_port = int(os.environ["HTTPS_PROXY"].rsplit(":", 1)[1])
    for how, port in zip(sys.argv[1::2], sys.argv[2::2]):
        try:
            if how == "get":
                print(urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode())
            elif how == "tunnel":
                conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=10)
                conn.set_tunnel("127.0.0.1", int(port))
                conn.request("GET", "/")
                print(conn.getresponse().read().decode())
            else:
                socket.create_connection(("127.0.0.1", int(port)), timeout=10).close()
                print("direct connected")
        except urllib.error.HTTPError as exc:
            print(f"{how} status {exc.code}")
        except OSError as exc:
            print(f"{how} failed: {exc}")
    sys.exit(int(os.environ.get("EXIT", "0")))
    """
)


def _client(*requests: str) -> list[str]:
    return [sys.executable, "-c", CLIENT, *requests]


def _run(workspace: Path, allow: list[str], *requests: str, exit_code: int = 0) -> AgentRun:
    return run_agent(
        _client(*requests),
        workspace=workspace,
        env={**agent_env({}), "EXIT": str(exit_code)},
        timeout_s=60,
        allow_hosts=allow,
    )


# --- the allow-list ------------------------------------------------------------------------------


def test_entry_without_a_port_allows_the_default_port_of_each_request_kind() -> None:
    allow = AllowList.parse(["api.example.com"])
    assert allow.allows("api.example.com", 443, default_port=443)
    assert allow.allows("api.example.com", 80, default_port=80)
    assert not allow.allows("api.example.com", 8443, default_port=443)
    assert not allow.allows("api.example.com", 443, default_port=80)


def test_entry_with_a_port_allows_that_port_only() -> None:
    allow = AllowList.parse(["api.example.com:8443", "[::1]:9000"])
    assert allow.allows("api.example.com", 8443, default_port=443)
    assert not allow.allows("api.example.com", 443, default_port=443)
    assert allow.allows("::1", 9000, default_port=80)


def test_wildcard_matches_names_below_the_suffix_only() -> None:
    allow = AllowList.parse(["*.Example.com"])
    assert allow.allows("api.example.com", 443, default_port=443)
    assert allow.allows("a.b.example.com", 443, default_port=443)
    assert not allow.allows("example.com", 443, default_port=443)
    assert not allow.allows("badexample.com", 443, default_port=443)


@pytest.mark.parametrize("entry", ["https://api.example.com/", "", "a:b", "a:70000", "*", "two words"])
def test_malformed_entry_is_refused_naming_it(entry: str) -> None:
    with pytest.raises(ValueError, match=f"allow_hosts entry {entry!r}"):
        parse_rule(entry)


def test_malformed_entry_is_a_configuration_error_of_both_optimizers() -> None:
    with pytest.raises(ValidationError, match="allow_hosts entry 'https://x/'"):
        CommandOptimizerOptions(command="true", allow_hosts=["https://x/"])
    with pytest.raises(ValidationError, match="allow_hosts entry 'a:b'"):
        AgentOptions(allow_hosts=["a:b"])


def test_without_bubblewrap_allow_hosts_is_not_enforced_and_the_warning_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: False)
    warning = sandbox.sandbox_warning()
    assert warning is not None and "`allow_hosts` is not enforced" in warning
    with egress_for(SandboxSpec(workspace=tmp_path, allow_hosts=("api.example.com",))) as proxy:
        assert proxy is None


# --- the proxy alone, on the host --------------------------------------------------------------------


def _proxy_client(proxy: EgressProxy) -> socket.socket:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(10)
    client.connect(str(proxy.socket_path))
    return client


def test_proxy_answers_503_beyond_its_connection_cap(endpoint: Endpoint) -> None:
    with EgressProxy(AllowList.parse([f"127.0.0.1:{endpoint.port}"]), max_connections=1) as proxy:
        first = _proxy_client(proxy)  # holds the only slot while its request head is awaited
        second = _proxy_client(proxy)
        assert second.recv(1024).startswith(b"HTTP/1.1 503")
        first.close()
        second.close()


def test_proxy_closes_an_idle_tunnel(endpoint: Endpoint) -> None:
    with EgressProxy(AllowList.parse([f"127.0.0.1:{endpoint.port}"]), idle_timeout_s=0.2) as proxy:
        client = _proxy_client(proxy)
        client.sendall(f"CONNECT 127.0.0.1:{endpoint.port} HTTP/1.1\r\n\r\n".encode())
        assert client.recv(1024).startswith(b"HTTP/1.1 200")
        assert client.recv(1024) == b"", "the tunnel ends after the idle timeout, not at the client's"
        client.close()


def test_relay_forwards_a_signal_to_its_command_and_returns_its_status(tmp_path: Path) -> None:
    script = "trap 'kill $!; echo got; exit 5' TERM; echo ready; sleep 30 & wait"
    relay = subprocess.Popen(
        egress.relay_argv(tmp_path / "none.sock", ["sh", "-c", script]), stdout=subprocess.PIPE, text=True
    )
    assert relay.stdout is not None
    assert relay.stdout.readline() == "ready\n", "the command's stdout is its own"
    relay.send_signal(signal.SIGTERM)
    assert relay.wait(timeout=30) == 5
    assert relay.stdout.read() == "got\n"


# --- through the real sandbox ------------------------------------------------------------------------


@needs_bwrap
def test_allowed_host_is_reached_through_the_proxy_and_the_exit_status_comes_back(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    port = str(endpoint.port)
    run = _run(tmp_path, [f"127.0.0.1:{port}"], "get", port, "tunnel", port, exit_code=7)
    assert run.error is None, run.stderr
    assert run.stdout.splitlines() == [f"endpoint {port}", f"endpoint {port}"], run.stderr
    assert run.returncode == 7 and endpoint.served == [2] and run.refused == ()


@needs_bwrap
def test_direct_connection_to_the_host_fails_in_the_sandbox(tmp_path: Path, endpoint: Endpoint) -> None:
    port = str(endpoint.port)
    run = _run(tmp_path, [f"127.0.0.1:{port}"], "direct", port)
    assert run.stdout.startswith("direct failed:"), run.stdout + run.stderr
    assert endpoint.served == [0]


@needs_bwrap
def test_unlisted_destination_gets_403_and_is_recorded(
    make_repo: MakeRepo, tmp_path: Path, endpoint: Endpoint, other_endpoint: Endpoint
) -> None:
    """Through an agent's step: the option reaches the proxy, the refusal reaches the transcript."""
    other = str(other_endpoint.port)
    options = AgentOptions(allow_hosts=[f"127.0.0.1:{endpoint.port}"])
    state = bare_step_state(make_repo({"a.py": "x = 1\n"}), tmp_path, timeout_s=60)
    run = run_step(options, state, _client("get", other, "tunnel", other), env=agent_env({}), writable=[])
    assert run.stdout.splitlines() == [
        "get status 403",
        "tunnel failed: Tunnel connection failed: 403 Forbidden",
    ]
    assert run.refused == (f"127.0.0.1:{other}",) and other_endpoint.served == [0]
    result = step_result(
        state, run, error=None, flag_text="", summary="", events=(), seen=set(), usage=Usage()
    )
    refusals = [e.text for e in result.transcript if e.kind == EventKind.ERROR]
    assert refusals == [f"egress refused: 127.0.0.1:{other}"]


@needs_bwrap
def test_the_command_keeps_its_stdin_and_stderr_under_the_relay(tmp_path: Path) -> None:
    run = run_agent(
        ["sh", "-c", "cat; echo oops >&2"],
        workspace=tmp_path,
        env=agent_env({}),
        timeout_s=60,
        allow_hosts=["api.example.com"],
        stdin_text="the prompt\n",
    )
    assert (run.stdout, run.stderr, run.returncode) == ("the prompt\n", "oops\n", 0)


@needs_bwrap
def test_allow_hosts_without_the_proxy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="egress proxy"):
        wrap_command(["true"], SandboxSpec(workspace=tmp_path, allow_hosts=("api.example.com",)))


@needs_bwrap
def test_command_optimizer_reaches_only_its_allowed_hosts(
    make_repo: MakeRepo, tmp_path: Path, endpoint: Endpoint, other_endpoint: Endpoint
) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    ports = (endpoint.port, other_endpoint.port)
    command = f"{shlex.join(_client('get', str(ports[0]), 'get', str(ports[1])))} > answers.txt"
    optimizer = CommandOptimizer(
        CommandOptimizerOptions(command=command, allow_hosts=[f"127.0.0.1:{ports[0]}"])
    )
    result = optimizer.step(bare_step_state(repo, tmp_path, timeout_s=60))
    assert result.status == StepStatus.EDITED, result.error
    assert (repo / "answers.txt").read_text().splitlines() == [f"endpoint {ports[0]}", "get status 403"]
    assert [e.text for e in result.transcript if e.kind == EventKind.ERROR] == [
        f"egress refused: 127.0.0.1:{ports[1]}"
    ]


def test_proxy_variables_point_at_the_relay_and_keep_loopback_direct() -> None:
    env = egress.proxy_env(4321)
    assert env["HTTPS_PROXY"] == env["http_proxy"] == env["ALL_PROXY"] == "http://127.0.0.1:4321"
    assert env["NO_PROXY"] == env["no_proxy"] == "localhost,127.0.0.1"
