"""What codefit adds to a Codex or aider step: the real CLI run bare against codefit's step.

For each CLI the same scripted turn (the model fixes calc.py through the CLI's own edit path and
answers) is served by the scripted model server of tests/real_agents and run, interleaved,
`repeats` times each:
- bare:    the CLI started directly in a copy of the workspace with the flags codefit would pass,
           reaching the server on loopback (no sandbox, no proxy);
- codefit: the optimizer's `step`: bubblewrap (as `nobody` when root), the egress relay and proxy
           (`allow_hosts`), the output parsed, the workspace's changes read;
- +mcp:    (Codex) the codefit step with `mcp = true`: codefit's MCP server, required at start,
           started by the CLI inside the sandbox and connected to a harness bridge that answers at once.
Prints the medians and the ratio of each to bare, measured in this run. Claude Code has its own
bench (bench/claude_overhead.py).

Needs the pinned binaries (scripts/install-agents) and bubblewrap.
Usage: python bench/agent_overhead.py [--repeats 3] [--cli codex --cli aider]
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
from codefit.optimizers.agents.codex_args import config_args  # noqa: E402
from tests.real_agents.aider_support import MODEL as AIDER_MODEL  # noqa: E402
from tests.real_agents.aider_support import aider_optimizer, search_replace  # noqa: E402
from tests.real_agents.claude_support import planted_repo, state  # noqa: E402
from tests.real_agents.codex_support import MODEL as CODEX_MODEL  # noqa: E402
from tests.real_agents.codex_support import codex_optimizer, codex_server, shell  # noqa: E402
from tests.real_agents.server import ModelServer, say, serving  # noqa: E402

BIN = ROOT / ".tools"
BINARIES = {
    "codex": BIN / "npm" / "node_modules" / ".bin" / "codex",
    "aider": BIN / "aider" / "bin" / "aider",
}
Run = Callable[[ModelServer, Path], float]


def new_workspace(root: Path) -> Path:
    return planted_repo(Path(tempfile.mkdtemp(prefix="ws-", dir=root)))


def timed(argv: list[str], ws: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=ws, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0 and "a + b" in (ws / "calc.py").read_text(), (
        done.stdout[-800:] + done.stderr[-800:]
    )
    return elapsed


def codex_script(server: ModelServer) -> None:
    server.add(shell("sed -i 's/a - b/a + b/' calc.py"), say("Fixed."))


def codex_bare(server: ModelServer, root: Path) -> float:
    ws = new_workspace(root)
    home = Path(tempfile.mkdtemp(prefix="codex-home-", dir=root))
    provider = {"name": "scripted", "base_url": server.url + "/v1", "env_key": "SCRIPTED_API_KEY"}
    overrides = {"model_provider": "scripted", "model_providers": {"scripted": provider}}
    argv = [str(BINARIES["codex"]), "exec", "--json", "--color", "never", "--skip-git-repo-check"]
    argv += ["--model", CODEX_MODEL, "--dangerously-bypass-approvals-and-sandbox", *config_args(overrides)]
    env = {**os.environ, "CODEX_HOME": str(home), "SCRIPTED_API_KEY": "sk-bench"}
    return timed([*argv, "Make add() return the sum."], ws, env)


def codex_step(mcp: bool) -> Run:
    def run(server: ModelServer, root: Path) -> float:
        ws = new_workspace(root)
        home = Path(tempfile.mkdtemp(prefix="codex-home-", dir=root))
        optimizer = codex_optimizer(BINARIES["codex"].resolve(), server, home, mcp=mcp)
        return step_time(optimizer.step, ws, root)

    return run


def aider_script(server: ModelServer) -> None:
    server.add(search_replace("calc.py", "    return a - b", "    return a + b"))


def aider_bare(server: ModelServer, root: Path) -> float:
    ws = new_workspace(root)
    argv = [str(BINARIES["aider"]), "--message", "Make add() return the sum.", "--yes-always"]
    argv += [
        "--no-auto-commits",
        "--no-git",
        "--no-gitignore",
        "--no-check-update",
        "--no-show-release-notes",
    ]
    argv += ["--analytics-disable", "--no-pretty", "--no-stream", "--model", AIDER_MODEL, "calc.py"]
    env = {
        **os.environ,
        "OPENAI_API_BASE": server.url + "/v1",
        "OPENAI_API_KEY": "sk-bench",
        "COLUMNS": "100000",
    }
    return timed(argv, ws, env)


def aider_step(server: ModelServer, root: Path) -> float:
    ws = new_workspace(root)
    optimizer = aider_optimizer(BINARIES["aider"], server, Path(tempfile.mkdtemp(prefix="aider-", dir=root)))
    return step_time(optimizer.step, ws, root, writable=("calc.py",))


def step_time(step: Callable[..., object], ws: Path, root: Path, **state_fields: object) -> float:
    handlers = {op: (lambda args: "ok") for op in ("spec", "run_checks", "submit", "status")}
    with serve_bridge(ws, handlers):
        start = time.perf_counter()
        result = step(state(ws, root, **state_fields))
        elapsed = time.perf_counter() - start
    assert getattr(result, "error", None) is None and "a + b" in (ws / "calc.py").read_text(), result
    return elapsed


VARIANTS: dict[str, tuple[Callable[[ModelServer], None], dict[str, Run]]] = {
    "codex": (codex_script, {"bare": codex_bare, "codefit": codex_step(False), "+mcp": codex_step(True)}),
    "aider": (aider_script, {"bare": aider_bare, "codefit": aider_step}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cli", action="append", choices=sorted(VARIANTS), help="default: all")
    args = parser.parse_args()
    clis = args.cli or list(VARIANTS)
    missing = [str(BINARIES[c]) for c in clis if not os.access(BINARIES[c], os.X_OK)]
    if missing or shutil.which("bwrap") is None:
        sys.exit(f"needs {', '.join(missing) or 'the CLIs'} (scripts/install-agents) and bubblewrap")
    with tempfile.TemporaryDirectory(prefix="agent-bench-") as tmp:
        root = Path(tmp)
        os.environ["HOME"] = str(root / "home")  # a throwaway home for the CLIs' state
        (root / "home").mkdir()
        print(
            f"{'cli':<7}{'variant':<10}{'median s':>10}{'ratio':>8}   (repeats {args.repeats}, interleaved)"
        )
        for cli in clis:
            script, variants = VARIANTS[cli]
            times: dict[str, list[float]] = {name: [] for name in variants}
            with serving(codex_server()) as server:
                for _ in range(args.repeats):
                    for name, run in variants.items():
                        script(server)
                        times[name].append(run(server, root))
            base = statistics.median(times["bare"])
            for name, values in times.items():
                median = statistics.median(values)
                print(f"{cli:<7}{name:<10}{median:>10.2f}{median / base:>8.2f}")


if __name__ == "__main__":
    main()
