from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from agents_support import BUGGY
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import TextContent

from codefit.harness.bridge import SOCKET_NAME, Handler, serve_bridge
from codefit.optimizers.agents.common import AgentOptions, mcp_argv

SCRIPT = Path(__file__).with_name("mcp_fake_server.py")


async def _session_calls(workspace: Path) -> dict[str, str]:
    params = StdioServerParameters(command=sys.executable, args=[str(SCRIPT), str(workspace)])
    out: dict[str, str] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        out["server"] = init.serverInfo.name
        out["tools"] = ",".join(sorted(t.name for t in (await session.list_tools()).tools))
        out["structured"] = ",".join(t.name for t in (await session.list_tools()).tools if t.outputSchema)
        for name, args in [
            ("spec", {}),
            ("run_checks", {}),
            ("submit", {}),
            ("status", {}),
            ("flag_contradiction", {"reason": "test_add wants 6"}),
        ]:
            result = await session.call_tool(name, args)
            assert not result.isError, (name, result)
            assert result.structuredContent is None, name  # the CLIs would show the model its JSON
            out[name] = "".join(c.text for c in result.content if isinstance(c, TextContent))
    return out


def test_real_client_over_stdio_lists_and_calls_every_tool(tmp_path: Path) -> None:
    out = anyio.run(_session_calls, tmp_path)
    assert out["server"] == "codefit"
    assert out["tools"] == "flag_contradiction,run_checks,spec,status,submit"
    assert out["structured"] == ""  # plain text results: no output schema, no structuredContent
    assert out["spec"].startswith("# Task")
    assert "unit: FAILED" in out["run_checks"]
    assert "queries left: 2" in out["submit"]
    assert out["status"].endswith("submits so far: 1")
    assert (tmp_path / "CODEFIT_FLAG.md").read_text() == "test_add wants 6\n"


async def _ask(command: list[str], env: dict[str, str], calls: list[str]) -> list[str]:
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    answers = []
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        for name in calls:
            result = await session.call_tool(name, {})
            assert not result.isError, (name, result)
            answers.append("".join(c.text for c in result.content if isinstance(c, TextContent)))
    return answers


def test_default_server_command_reaches_the_bridge_without_codefit_on_path(tmp_path: Path) -> None:
    handlers: dict[str, Handler] = {
        "spec": lambda args: "# Task\nMake add() return the sum.",
        "run_checks": lambda args: "## unit: FAILED",
        "submit": lambda args: "Verdict: FAILED",
        "status": lambda args: "step 1 of 3; 2 hidden-check queries left",
    }
    command = mcp_argv(AgentOptions(), tmp_path)
    assert command[:3] == [sys.executable, "-m", "codefit"]
    bare_path = {"PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"]}  # no venv: `codefit` is not found
    with serve_bridge(tmp_path, handlers):
        answers = anyio.run(_ask, command, bare_path, ["spec", "run_checks", "status"])
    assert answers == ["# Task\nMake add() return the sum.", "## unit: FAILED", handlers["status"]({})]


RECIPE = """
task = "Make add() return the sum of its arguments."
max_steps = 1

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[optimizer]
kind = "command"
command = "while [ ! -e .codefit-done ]; do sleep 1; done; rm -f .codefit-done"
timeout = 3600
"""


def _wait_for_socket(workdir: Path, fit: subprocess.Popen[str]) -> Path:
    """The workspace whose step is serving the bridge (the run prints it; here it is looked up)."""
    for _ in range(600):
        found = next(workdir.glob(f"**/{SOCKET_NAME}"), None)
        if found is not None:
            return found.parent
        if fit.poll() is not None:
            break
        time.sleep(0.2)
    fit.kill()
    raise AssertionError(f"no workspace started serving: {fit.communicate()[0]}")


@pytest.mark.slow
def test_interactive_recipe_serves_the_tools_while_the_waiting_step_runs(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    """docs/agents/mcp.md's recipe: a `command` step that waits, an MCP client outside, a done file."""
    repo = make_repo({**BUGGY, "codefit.toml": RECIPE})
    workdir = tmp_path / "work"
    env = {**os.environ, "CODEFIT_WORKDIR": str(workdir)}
    fit = subprocess.Popen(
        [sys.executable, "-m", "codefit", "fit"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        workspace = _wait_for_socket(workdir, fit)
        command = [sys.executable, "-m", "codefit", "mcp", "--workspace", str(workspace)]
        [before] = anyio.run(_ask, command, env, ["run_checks"])
        calc = workspace / "calc.py"
        calc.write_text(calc.read_text().replace("a - b", "a + b"))  # the interactive agent's edit
        after, status = anyio.run(_ask, command, env, ["run_checks", "status"])
        (workspace / ".codefit-done").touch()
        output, _ = fit.communicate(timeout=300)
    finally:
        if fit.poll() is None:
            fit.kill()
    assert "## unit: FAILED" in before and "## unit: PASSED" in after
    assert status.startswith("step 1 of 1")
    assert fit.returncode == 0, output  # the step ended edited and the spec is met
