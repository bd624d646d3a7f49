"""Running the real `aider` (0.86.2) as codefit's optimizer against the scripted chat-completions
server, confined, reaching it only through codefit's egress allow-list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codefit.optimizers.aider import AiderOptimizer, AiderOptions

from .server import Billed, ModelServer, Turn, say

MODEL = "openai/gpt-4o"  # LiteLLM prices it: $2.50 / $10 per million tokens


def aider_home(binary: Path) -> list[Path]:
    """What aider's interpreter needs shown in the sandbox: its venv and the Python it was made from."""
    venv = binary.parents[1]
    config = dict(
        line.split(" = ", 1) for line in (venv / "pyvenv.cfg").read_text().splitlines() if " = " in line
    )
    return [venv, Path(config["home"]).parent]


def aider_optimizer(binary: Path, server: ModelServer, state_dir: Path, **overrides: Any) -> AiderOptimizer:
    fields: dict[str, Any] = {
        "binary": str(binary),
        "model": MODEL,
        "env": {"OPENAI_API_BASE": server.url + "/v1", "OPENAI_API_KEY": "sk-scripted"},
        "allow_network": False,
        "allow_hosts": [server.host],
        "sandbox_ro": aider_home(binary),
        "state_dir": state_dir,
        "timeout": 120.0,
        **overrides,
    }
    return AiderOptimizer(AiderOptions(**fields))


DEFAULT = Billed(input=1000, output=50)


def block(path: str, old: str, new: str) -> str:
    """One SEARCH/REPLACE block of aider's diff edit format."""
    return f"{path}\n```python\n<<<<<<< SEARCH\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n```\n"


def search_replace(path: str, old: str, new: str, usage: Billed = DEFAULT) -> Turn:
    """The model's whole answer: one SEARCH/REPLACE block for `path`."""
    return say(f"I'll change {path}.\n\n{block(path, old, new)}", usage)
