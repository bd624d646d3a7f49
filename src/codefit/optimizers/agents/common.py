"""What every agent-CLI adapter shares: options, the environment, flags, and the final status."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from codefit.harness.context import FLAG_FILE, FLAG_PHRASE, ContextStrategy
from codefit.optimizers.base import EventKind, StepStatus, TranscriptEvent
from codefit.records import Options
from codefit.workspace.changes import changed_paths as workspace_changes
from codefit.workspace.egress import check_allow_hosts

SCRUBBED_PREFIXES = ("CODEFIT_",)
TEXT_LIMIT = 4000
ARGV_PROMPT_LIMIT = 100_000  # Linux caps one argument at 128 KiB: longer prompts go through stdin


class AgentOptions(Options):
    """Keys shared by the `claude-code`, `codex` and `aider` optimizers."""

    binary: str | None = Field(default=None, description="Path or name of the agent's executable.")
    model: str | None = Field(default=None, description="Model name passed to the agent.")
    timeout: float = Field(default=1800.0, gt=0, description="Seconds per step (capped by step_timeout).")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment for the agent.")
    context: ContextStrategy = Field(
        default=ContextStrategy.CONTINUE, description="`continue` resumes the session; `reset` starts fresh."
    )
    mcp: bool = Field(
        default=False, description="Give the agent codefit's MCP server (spec, checks, submit)."
    )
    mcp_command: list[str] | None = Field(
        default=None,
        description="Command of the MCP server (`{workspace}` is replaced); "
        "default `<codefit's python> -m codefit mcp --workspace W`.",
    )
    extra_args: list[str] = Field(default_factory=list, description="Arguments appended verbatim.")
    allow_network: bool = Field(default=True, description="The agent needs its model endpoint.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Only these hosts (`host`, `host:port`, `*.suffix`), through codefit's egress "
        "proxy; when set, wins over allow_network.",
    )
    sandbox_rw: list[Path] = Field(
        default_factory=list, description="Extra paths the agent may write under the sandbox."
    )
    sandbox_ro: list[Path] = Field(
        default_factory=list, description="Extra paths it may read (e.g. under /tmp)."
    )

    _check_allow_hosts = field_validator("allow_hosts")(check_allow_hosts)


def agent_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The process environment minus codefit's own keys, plus the configured extras, plus
    `safe.directory` for git (see `git_config_env`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    env.update(extra)
    # Under a root codefit the agent runs as `nobody` and the workspace's .git stays codefit's
    # (sandbox_user): git then calls the repository "dubious ownership" and agents see no repo
    # (aider: "Git repo: none"). The sandbox shows no other repository, and cannot write this one.
    return git_config_env(env, {"safe.directory": "*"})


def git_config_env(env: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
    """`env` plus git settings as GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n (git >= 2.31), after any
    already there; git reads them like `-c` options (a protected scope, as safe.directory needs)."""
    try:
        count = int(env.get("GIT_CONFIG_COUNT") or 0)
    except ValueError:
        count = 0
    out = dict(env)
    for key, value in settings.items():
        out[f"GIT_CONFIG_KEY_{count}"] = key
        out[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    out["GIT_CONFIG_COUNT"] = str(count)
    return out


def find_binary(name: str, env: Mapping[str, str]) -> str | None:
    """The executable `name` resolves to under `env`'s PATH, or None."""
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    return shutil.which(name, path=env.get("PATH", ""))


def mcp_argv(options: AgentOptions, workspace: Path) -> list[str]:
    """The MCP server's command. By default codefit's own interpreter runs it: a bare `codefit` is
    not found when the venv is not on the agent's PATH, and the sandbox keeps this interpreter visible."""
    if options.mcp_command:
        return [part.replace("{workspace}", str(workspace)) for part in options.mcp_command]
    return [sys.executable, "-m", "codefit", "mcp", "--workspace", str(workspace)]


def option_args(*pairs: tuple[str, str | int | float | list[str] | None]) -> list[str]:
    """`[flag, value]` for each pair whose value is set: lists comma-joined, floats without trailing zeros."""
    args: list[str] = []
    for flag, value in pairs:
        if isinstance(value, list):
            value = ",".join(value)
        if value:
            args += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return args


def changed_paths(workspace: Path) -> list[str]:
    """Paths the step changed (uncommitted relative to the last checkpoint), flag file excluded."""
    return [p for p in workspace_changes(workspace) if p != FLAG_FILE]


def take_flag(workspace: Path, final_text: str) -> str | None:
    """The agent's reason for flagging a contradiction, if it did; the marker file is consumed."""
    marker = workspace / FLAG_FILE
    if marker.is_file():
        reason = marker.read_text(encoding="utf-8", errors="replace").strip()
        marker.unlink()
        return reason or "flagged without a reason"
    for line in final_text.splitlines():
        stripped = line.strip()
        if stripped.startswith(FLAG_PHRASE):
            return stripped[len(FLAG_PHRASE) :].strip() or "flagged without a reason"
    return None


def decide_status(*, error: str | None, flag: str | None, changed: bool, gave_up: bool = False) -> StepStatus:
    if error:
        return StepStatus.ERROR
    if flag:
        return StepStatus.FLAGGED
    if changed:
        return StepStatus.EDITED
    return StepStatus.GAVE_UP if gave_up else StepStatus.NO_CHANGE


def change_events(paths: list[str], seen: set[str]) -> list[TranscriptEvent]:
    """File-change events for changed paths the agent's own stream did not report."""
    return [
        TranscriptEvent(kind=EventKind.FILE_CHANGE, name=p, data={"path": p, "source": "git"})
        for p in paths
        if p not in seen
    ]


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + f" ... [{len(text) - limit} characters cut]"


def json_objects(text: str, what: str) -> Iterator[dict[str, Any] | str]:
    """The objects of a JSON-lines stream, in order; for a line that starts with `{` but does not
    parse, the error `unparsable {what} N: ...` instead. Blank lines and text (banners, `[WARN] ...`
    noise) are skipped: every event of these streams is an object, so only `{` means a broken one."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            if stripped.startswith("{"):
                yield f"unparsable {what} {number}: {clip(stripped, 120)}"
            continue
        if isinstance(obj, dict):
            yield obj


def relative_path(path: str, root: Path | None) -> str:
    """`path` relative to the workspace when it lies inside it; as given otherwise."""
    if root is None or not Path(path).is_absolute():
        return path
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path


def state_dirs(
    env: Mapping[str, str], variable: str | None, default: str, files: tuple[str, ...] = ()
) -> list[Path]:
    """An agent's own state directory (from `variable` or `~/default`), created, plus existing files."""
    home = Path(env.get("HOME") or Path.home())
    directory = Path(env[variable]) if variable and env.get(variable) else home / default
    directory.mkdir(parents=True, exist_ok=True)
    return [directory, *(home / f for f in files if (home / f).exists())]
