"""Running the real `codex` (0.171.0) as codefit's optimizer against the scripted server, confined."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codefit.guards import run_guards
from codefit.guards.base import Alert, Change
from codefit.optimizers.agents import pricing
from codefit.optimizers.base import TranscriptEvent
from codefit.optimizers.codex import CodexOptimizer, CodexOptions

from ..conftest import run_git
from .server import AnthropicApi, Billed, ChatApi, ModelServer, Step, Turn, call, tool_names
from .server.codex_tools import CodexResponsesApi, namespace_of

MODEL = "gpt-5"  # priced from codefit's table: $1.25 / $10 per million, cached input $0.125
PRICE = pricing.DEFAULT_PRICES[MODEL]
DEFAULT = Billed()


def codex_options(binary: Path, server: ModelServer, home: Path, **overrides: Any) -> CodexOptions:
    """The real CLI with a model provider for the scripted server (passed as a TOML inline table,
    `-c model_providers={...}`), reaching it only through codefit's egress allow-list."""
    provider = {
        "name": "scripted",
        "base_url": server.url + "/v1",
        "env_key": "SCRIPTED_API_KEY",
        "wire_api": "responses",
    }
    fields: dict[str, Any] = {
        "binary": str(binary),
        "model": MODEL,
        "env": {"CODEX_HOME": str(home), "SCRIPTED_API_KEY": "sk-scripted", **overrides.pop("env", {})},
        "config": {"model_provider": "scripted", "model_providers": {"scripted": provider}},
        "allow_network": False,
        "allow_hosts": [server.host],
        "sandbox_ro": [binary.parents[3]],  # node_modules/@openai/codex/bin/codex.js: the native binary too
        "timeout": 120.0,
        **overrides,
    }
    return CodexOptions(**fields)


def codex_optimizer(binary: Path, server: ModelServer, home: Path, **overrides: Any) -> CodexOptimizer:
    home.mkdir(parents=True, exist_ok=True)
    return CodexOptimizer(codex_options(binary, server, home, **overrides))


def shell(cmd: str, usage: Billed = DEFAULT) -> Turn:
    """Codex 0.171.0's shell tool (`exec_command`), run in the working directory."""
    return call("exec_command", usage=usage, cmd=cmd)


def mcp_tool(tool: str, usage: Billed = DEFAULT, **args: Any) -> Step:
    """A call of codefit's MCP tool `tool`, in the namespace Codex offers it under (`mcp__codefit`)."""

    def turn(body: dict[str, Any]) -> Turn:
        namespace = namespace_of(body.get("tools") or [], tool)
        if namespace is None:
            raise AssertionError(f"codex offered no MCP tool {tool!r}: {tool_names(body)}")
        return call(f"{namespace}/{tool}", usage=usage, **args)

    return turn


def codex_server() -> ModelServer:
    """The default server, with Codex's namespaced tool calls (`server/codex_tools.py`)."""
    return ModelServer([ChatApi("gpt-5"), CodexResponsesApi(MODEL), AnthropicApi()])


def usage_tuple(b: Billed) -> tuple[int, int, int, float]:
    """What codefit should record for billed turns: OpenAI counts cached input inside input."""
    total_input = b.input + b.cache_read + b.cache_write
    cost = pricing.cost_usd(
        PRICE, input_tokens=total_input, cached_tokens=b.cache_read, output_tokens=b.output
    )
    return (total_input, b.output, b.cache_read, round(cost, 9))


def step_alerts(workspace: Path, transcript: Sequence[TranscriptEvent]) -> list[Alert]:
    """codefit's guards on the step's change (the workspace against its last commit) and the CLI's
    real transcript, with the tests protected as a run protects them."""
    run_git(workspace, "add", "-A")
    head = "HEAD"

    def before(rel: str) -> str | None:
        try:
            return run_git(workspace, "show", f"{head}:{rel}")
        except subprocess.CalledProcessError:
            return None

    change = Change(
        tree=workspace,
        diff=run_git(workspace, "diff", "--cached", head),
        changed_files=tuple(run_git(workspace, "diff", "--cached", "--name-only", head).split()),
        before=before,
        base=before,
        readings=(),
        transcript=transcript,
        protected=("tests/**",),
        writable=("calc.py",),
    )
    return run_guards(change, {})
