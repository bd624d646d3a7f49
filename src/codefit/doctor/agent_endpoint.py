"""Can the optimizer reach its model endpoint from where it runs?

An agent CLI runs in codefit's sandbox, with the network shared (`allow_network`) or only the
hosts of `allow_hosts` through codefit's egress proxy; the probe runs there the same way (a small
HTTP request by codefit's interpreter, through the proxy variables the sandbox sets), so a host
missing from `allow_hosts` is found before a run rather than as every step's error. Any HTTP
answer, a 401 or a 404 included, means the endpoint is reachable, except a 502 or 504: a proxy's
(codefit's egress proxy among them) word that nothing answered behind it. The `openai` optimizer calls its
endpoint from codefit's own process, so it is probed without the sandbox.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codefit.optimizers.agents.common import AgentOptions, agent_env
from codefit.optimizers.agents.process import run_agent
from codefit.sensors.process import run_bounded

PROBE_TIMEOUT_S = 20.0
GATEWAY_ERRORS = ("http 502", "http 504")
DEFAULT_ENDPOINTS = {
    "claude-code": "https://api.anthropic.com",
    "codex": "https://api.openai.com/v1",
    "aider": "https://api.openai.com/v1",
    "openai": "https://api.openai.com/v1",
}
PROBE = """
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=10)
except urllib.error.HTTPError as exc:
    print("http", exc.code)
except Exception as exc:
    print("unreachable:", type(exc).__name__, exc)
    sys.exit(3)
"""


def endpoint_url(kind: str, options: Any, env: Mapping[str, str]) -> str:
    """The base URL the optimizer calls, from its options, its environment or the vendor's default."""
    if kind == "openai":
        return str(options.base_url or DEFAULT_ENDPOINTS[kind])
    if kind == "claude-code":
        return env.get("ANTHROPIC_BASE_URL") or DEFAULT_ENDPOINTS[kind]
    if kind == "codex":
        return _codex_base_url(dict(options.config)) or env.get("OPENAI_BASE_URL") or DEFAULT_ENDPOINTS[kind]
    if kind == "aider":
        extra = list(options.extra_args)
        flag = "--openai-api-base"
        given = extra[extra.index(flag) + 1] if flag in extra[:-1] else None
        return given or env.get("OPENAI_API_BASE") or env.get("OPENAI_BASE_URL") or DEFAULT_ENDPOINTS[kind]
    raise ValueError(f"no endpoint known for optimizer kind {kind!r}")


def _codex_base_url(config: dict[str, Any]) -> str | None:
    """`model_providers.<model_provider>.base_url`, dotted (`-c` style) or nested."""
    provider = config.get("model_provider")
    if not provider:
        return None
    dotted = config.get(f"model_providers.{provider}.base_url")
    if dotted:
        return str(dotted)
    providers = config.get("model_providers")
    table = providers.get(provider) if isinstance(providers, dict) else None
    if isinstance(table, dict) and table.get("base_url"):
        return str(table["base_url"])
    nested = config.get(f"model_providers.{provider}")
    return str(nested["base_url"]) if isinstance(nested, dict) and nested.get("base_url") else None


@dataclass(frozen=True)
class Reach:
    ok: bool
    detail: str


def probe(kind: str, options: Any) -> Reach:
    """Try the endpoint the way the optimizer would reach it."""
    env = agent_env(getattr(options, "env", {}) or {})
    url = endpoint_url(kind, options, env)
    argv = [sys.executable, "-I", "-S", "-c", PROBE, url]
    with tempfile.TemporaryDirectory(prefix="codefit-doctor-reach-") as tmp:
        if not isinstance(options, AgentOptions):
            done = run_bounded(argv, cwd=Path(tmp), env=dict(os.environ), timeout_s=PROBE_TIMEOUT_S)
            return _reach(url, done.returncode, done.stdout, done.timed_out, ())
        run = run_agent(
            argv,
            workspace=Path(tmp),
            env=env,
            timeout_s=PROBE_TIMEOUT_S,
            allow_network=options.allow_network,
            allow_hosts=options.allow_hosts,
        )
    if run.error and run.returncode is None:
        return Reach(False, f"{url}: {run.error}")
    return _reach(url, run.returncode, run.stdout, run.error is not None, run.refused)


def _reach(url: str, returncode: int | None, stdout: str, timed_out: bool, refused: tuple[str, ...]) -> Reach:
    if refused:
        return Reach(False, f"{url}: refused by codefit's egress allow-list ({', '.join(refused)})")
    if timed_out:
        return Reach(False, f"{url}: no answer within {PROBE_TIMEOUT_S:.0f}s")
    if returncode != 0:
        return Reach(False, f"{url}: {stdout.strip() or f'probe exited with {returncode}'}")
    answer = stdout.strip() or "http 200"
    if answer in GATEWAY_ERRORS:  # codefit's egress proxy (or another) reached nothing behind it
        return Reach(False, f"{url}: {answer} from a proxy: nothing answers at that address")
    return Reach(True, f"{url} answers ({answer})")
