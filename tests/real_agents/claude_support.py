"""Running the real `claude` as codefit's optimizer against the scripted server, confined."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from codefit.optimizers.base import StepState
from codefit.optimizers.claude_code import ClaudeCodeOptimizer, ClaudeCodeOptions
from codefit.sensors.base import SensorContext

from .server import ModelServer

MODEL = (
    "claude-sonnet-4-5"  # priced by Claude Code itself: $3 / $15 per million, cache read $0.30, write $3.75
)
PRICE = {"input": 3.0, "output": 15.0, "cache_read": 0.30, "cache_write": 3.75}
BUGGY = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def planted_repo(ws: Path, files: dict[str, str] = BUGGY) -> Path:
    """A git repository at `ws` holding `files` (by default the planted bug) in one commit."""
    from ..conftest import run_git

    for rel, text in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text)
    run_git(ws, "init", "-q", "-b", "main")
    run_git(ws, "add", "-A")
    run_git(ws, "commit", "-q", "-m", "planted bug")
    return ws


def claude_options(binary: Path, server: ModelServer, **overrides: Any) -> ClaudeCodeOptions:
    """The real CLI, reaching only the scripted server through codefit's egress allow-list."""
    env = {
        "ANTHROPIC_BASE_URL": server.url,
        "ANTHROPIC_API_KEY": "sk-ant-scripted",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        **overrides.pop("env", {}),
    }
    fields: dict[str, Any] = {
        "binary": str(binary),
        "model": MODEL,
        "env": env,
        "allow_network": False,
        "allow_hosts": [server.host],
        "timeout": 120.0,
        **overrides,
    }
    return ClaudeCodeOptions(**fields)


def claude_optimizer(binary: Path, server: ModelServer, **overrides: Any) -> ClaudeCodeOptimizer:
    return ClaudeCodeOptimizer(claude_options(binary, server, **overrides))


def state(workspace: Path, run_dir: Path, step: int = 1, **overrides: Any) -> StepState:
    """A step over `workspace` with no train sensors (the feedback is given, not measured)."""
    fields: dict[str, Any] = {
        "workspace": workspace,
        "step": step,
        "task": "Make add() return the sum of its arguments.",
        "feedback": "",
        "task_file": run_dir / "task.md",
        "feedback_file": run_dir / f"feedback-{step}.md",
        "train_sensors": [],
        "sensor_context": SensorContext(python=sys.executable),
        "run_checks": list,
        "timeout_s": 120.0,
        **overrides,
    }
    return StepState(**fields)


def billed_cost(server: ModelServer, since: int = 0, until: int | None = None) -> float:
    """What the turns served at positions `since` to `until` cost at Claude Code's list price for MODEL."""
    b = server.billed(since, until)
    total = (
        b.input * PRICE["input"]
        + b.output * PRICE["output"]
        + b.cache_read * PRICE["cache_read"]
        + b.cache_write * PRICE["cache_write"]
    )
    return total / 1_000_000
