from __future__ import annotations

import sys
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import TextContent

SCRIPT = Path(__file__).with_name("mcp_fake_server.py")


async def _session_calls(workspace: Path) -> dict[str, str]:
    params = StdioServerParameters(command=sys.executable, args=[str(SCRIPT), str(workspace)])
    out: dict[str, str] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        out["server"] = init.serverInfo.name
        out["tools"] = ",".join(sorted(t.name for t in (await session.list_tools()).tools))
        for name, args in [
            ("spec", {}),
            ("run_checks", {}),
            ("submit", {}),
            ("status", {}),
            ("flag_contradiction", {"reason": "test_add wants 6"}),
        ]:
            result = await session.call_tool(name, args)
            assert not result.isError, (name, result)
            out[name] = "".join(c.text for c in result.content if isinstance(c, TextContent))
    return out


def test_real_client_over_stdio_lists_and_calls_every_tool(tmp_path: Path) -> None:
    out = anyio.run(_session_calls, tmp_path)
    assert out["server"] == "codefit"
    assert out["tools"] == "flag_contradiction,run_checks,spec,status,submit"
    assert out["spec"].startswith("# Task")
    assert "unit: FAILED" in out["run_checks"]
    assert "queries left: 2" in out["submit"]
    assert out["status"].endswith("submits so far: 1")
    assert (tmp_path / "CODEFIT_FLAG.md").read_text() == "test_add wants 6\n"
