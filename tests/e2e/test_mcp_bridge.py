"""An agent talks to the harness mid-step: a real MCP client over stdio, `codefit mcp`, the bridge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefit.store import Store

from .project import codefit, make_project

CLIENT = """
import asyncio, json, os, sys
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

async def main():
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "codefit.cli", "mcp", "--workspace", os.getcwd()]
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = sorted(t.name for t in (await session.list_tools()).tools)
            answers = {"tools": tools}
            for name in ("spec", "status", "submit"):
                result = await session.call_tool(name, {})
                answers[name] = result.content[0].text
    print("MCP-ANSWERS " + json.dumps(answers))  # on stdout: the tree stays the one submit graded

asyncio.run(main())
"""


@pytest.mark.slow
def test_agent_submits_through_mcp_and_the_query_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    command = "sed -i 's/a - b/a + b/' calc.py && \"$CODEFIT_PYTHON\" mcp_client.py"
    repo = make_project(tmp_path, command, max_steps=1, budget=3)
    (repo / "mcp_client.py").write_text(CLIENT)
    from ..conftest import run_git

    run_git(repo, "add", "mcp_client.py")
    run_git(repo, "commit", "-q", "-m", "client")
    done = codefit("fit", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    store = Store.for_repo(repo)
    run = store.run("latest")
    step = store.steps(run.id)[1]
    raw = store.blobs.text(step.raw_blob)
    answers = json.loads(raw.split("MCP-ANSWERS ", 1)[1].splitlines()[0])
    assert answers["tools"] == ["flag_contradiction", "run_checks", "spec", "status", "submit"]
    assert "Make add return the sum" in answers["spec"]
    assert "3 hidden-check queries left" in answers["status"]
    assert "Score: 1.00" in answers["submit"] and "queries left: 2" in answers["submit"]
    assert "test_hidden_marker" not in answers["submit"], "score level names no held-out test"
    queries = store.queries(run.id)
    # The agent's submit graded the tree the step ended with: the loop reuses that answer, no second charge.
    assert [(q.step, q.passed, q.budget_left) for q in queries] == [(1, True, 2)]
    assert step.logs["val_passed"] is True and step.logs["val_budget_left"] == 2
