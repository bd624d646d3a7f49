"""Builds codefit's MCP server with fake callables and serves it on stdio (run as a script)."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.mcp_server import build_server, flag_writer, serve

if __name__ == "__main__":
    workspace = Path(sys.argv[1])
    calls = {"submit": 0}

    def submit() -> str:
        calls["submit"] += 1
        return f"## Hidden check holdout (queries left: {3 - calls['submit']})\nVerdict: FAILED"

    print("a stray print goes to stderr, not the protocol", file=sys.stderr)
    serve(
        build_server(
            spec_text="# Task\nMake add() return the sum.",
            run_checks=lambda: "## unit: FAILED (score 0.00; 0 passed, 1 failed, 0 errors, 0 skipped)",
            submit=submit,
            status=lambda: f"step 2 of 10; submits so far: {calls['submit']}",
            flag=flag_writer(workspace),
        )
    )
