"""What codefit adds to a Claude Code step: the real `claude` run bare against codefit's step.

The same scripted turn (the model reads calc.py, fixes it with Edit, answers) is served by the
scripted model server of tests/real_agents, and run, interleaved, `repeats` times each:
- bare:    `claude --print --output-format stream-json ...` started directly in a copy of the
           workspace, reaching the server on loopback (no sandbox, no proxy);
- codefit: `ClaudeCodeOptimizer.step`: bubblewrap, the egress relay and proxy (`allow_hosts`),
           the stream parsed, the git status of the workspace read;
- +mcp:    the codefit step with `mcp = true`: codefit's MCP server started by the CLI inside the
           sandbox, connected to a harness bridge that answers at once.
Prints the medians and the ratio of each to bare, measured in this run.

Needs the pinned binary (scripts/install-agents) and bubblewrap.
Usage: python bench/claude_overhead.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codefit.harness.bridge import serve_bridge  # noqa: E402
from tests.real_agents.claude_support import MODEL, claude_optimizer, planted_repo, state  # noqa: E402
from tests.real_agents.server import ModelServer, call, default_server, say, serving, workspace_of  # noqa: E402

BINARY = ROOT / ".tools" / "npm" / "node_modules" / ".bin" / "claude"


def new_workspace(root: Path) -> Path:
    return planted_repo(Path(tempfile.mkdtemp(prefix="ws-", dir=root)))


def script(server: ModelServer) -> None:
    server.add(
        call("Read", file_path="calc.py"),
        lambda body: call(
            "Edit", file_path=f"{workspace_of(body)}/calc.py", old_string="a - b", new_string="a + b"
        ),
        say("Fixed."),
    )


def bare(server: ModelServer, root: Path) -> float:
    ws = new_workspace(root)
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": server.url,
        "ANTHROPIC_API_KEY": "sk-ant-bench",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    argv = [str(BINARY), "--print", "--output-format", "stream-json", "--verbose", "--model", MODEL]
    argv += ["--permission-mode", "acceptEdits", "--", "Make add() return the sum."]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ws, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0 and "a + b" in (ws / "calc.py").read_text(), done.stdout[-500:]
    return elapsed


def through_codefit(mcp: bool) -> Callable[[ModelServer, Path], float]:
    def run(server: ModelServer, root: Path) -> float:
        ws = new_workspace(root)
        optimizer = claude_optimizer(BINARY.resolve(), server, mcp=mcp)
        handlers = {op: (lambda args: "ok") for op in ("spec", "run_checks", "submit", "status")}
        with serve_bridge(ws, handlers):
            start = time.perf_counter()
            result = optimizer.step(state(ws, root))
            elapsed = time.perf_counter() - start
        assert result.error is None and result.status.value == "edited", result.error
        return elapsed

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not os.access(BINARY, os.X_OK) or shutil.which("bwrap") is None:
        sys.exit(f"needs {BINARY} (scripts/install-agents) and bubblewrap")
    variants = {"bare": bare, "codefit": through_codefit(False), "+mcp": through_codefit(True)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="claude-bench-") as tmp:
        root = Path(tmp)
        os.environ["HOME"] = str(root / "home")  # a throwaway home for Claude's state
        (root / "home").mkdir()
        with serving(default_server()) as server:
            for _ in range(args.repeats):
                for name, run in variants.items():
                    script(server)
                    times[name].append(run(server, root))
    base = statistics.median(times["bare"])
    print(f"claude {subprocess.run([BINARY, '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"{'variant':<10}{'median s':>10}{'ratio':>8}   (repeats {args.repeats}, interleaved)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<10}{median:>10.2f}{median / base:>8.2f}")


if __name__ == "__main__":
    main()
