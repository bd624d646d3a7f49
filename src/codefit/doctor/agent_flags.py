"""The flags codefit would pass to an agent CLI, read from the optimizer's own argv builder.

The argv is built the way a step builds it (a fresh and a resumed step), against a throw-away git
workspace, so what is checked against the CLI's `--help` is exactly what a run would pass: the
options' flags, the sandbox flag, and `extra_args`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from codefit.optimizers.base import StepState
from codefit.sensors.base import SensorContext
from codefit.workspace.git import git


def passed_flags(kind: str, optimizer: Any) -> list[str]:
    """Every flag (`-x`, `--xx`) of the argv `optimizer` would run, in order, without repeats."""
    with tempfile.TemporaryDirectory(prefix="codefit-doctor-") as tmp:
        workspace = Path(tmp)
        git(workspace, "init", "-q")
        state = StepState(
            workspace=workspace,
            step=1,
            task="doctor",
            feedback="",
            task_file=workspace / "TASK.md",
            feedback_file=workspace / "FEEDBACK.md",
            train_sensors=(),
            sensor_context=SensorContext(python=sys.executable),
            run_checks=list,
        )
        argvs = _argvs(kind, optimizer, state, workspace)
    flags: list[str] = []
    for argv in argvs:
        for arg in argv[1:]:
            if arg == "--":  # what follows is the prompt
                break
            if arg.startswith("-") and arg != "-" and arg not in flags:
                flags.append(arg)
    return flags


def _argvs(kind: str, optimizer: Any, state: StepState, workspace: Path) -> list[list[str]]:
    if kind == "claude-code":
        return [optimizer.argv(state, "x", None, "new"), optimizer.argv(state, "x", "old", "new")]
    if kind == "codex":
        return [optimizer.argv(state, "x", None), optimizer.argv(state, "x", "old")]
    if kind == "aider":
        message, history = workspace / "message.md", workspace / "history.md"
        return [optimizer.argv(state, message, history, False), optimizer.argv(state, message, history, True)]
    raise ValueError(f"no agent CLI for optimizer kind {kind!r}")
