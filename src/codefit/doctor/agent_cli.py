"""What an installed agent CLI is: where it lives, its version, and the flags its `--help` lists.

Where codefit looks for each CLI: the configured `binary`, then PATH, then the project's own
`.tools/` folder (where `scripts/install-agents` puts the pinned versions). The flags are read
from `--help` (for Codex, `codex exec --help`; `exec resume` must exist too); a few flags work
though the help hides them (Claude Code's `--max-turns`, measured with 2.1.332).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from codefit.optimizers.agents.common import find_binary

PROBE_TIMEOUT_S = 30.0
_FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")
_VERSION = re.compile(r"\d+\.\d+\.\d+[\w.+-]*")


@dataclass(frozen=True)
class CliSpec:
    """An agent CLI codefit drives: its optimizer kind, executable and where `--help` lives."""

    kind: str
    name: str
    tools_path: str  # relative to the project root
    help_argvs: tuple[tuple[str, ...], ...]
    hidden_flags: frozenset[str] = frozenset()


CLIS: dict[str, CliSpec] = {
    "claude-code": CliSpec(
        "claude-code",
        "claude",
        ".tools/npm/node_modules/.bin/claude",
        (("--help",),),
        frozenset({"--max-turns"}),
    ),
    "codex": CliSpec(
        "codex",
        "codex",
        ".tools/npm/node_modules/.bin/codex",
        (("exec", "--help"), ("exec", "resume", "--help")),
    ),
    "aider": CliSpec("aider", "aider", ".tools/aider/bin/aider", (("--help",),)),
}


@dataclass(frozen=True)
class Located:
    """Where the CLI was found; `on_run_path` is False when the optimizer as configured would not
    find it (it lives in .tools/ but neither `binary` nor PATH leads there)."""

    path: str
    how: str  # "binary" | "PATH" | ".tools"
    on_run_path: bool


def locate(spec: CliSpec, repo: Path, configured: str | None, env: Mapping[str, str]) -> Located | None:
    if configured:
        candidate = (
            configured if "/" not in configured or Path(configured).is_absolute() else str(repo / configured)
        )
        found = find_binary(candidate, env)
        return Located(found, "binary", True) if found else None
    found = find_binary(spec.name, env)
    if found:
        return Located(found, "PATH", True)
    tools = repo / spec.tools_path
    return Located(str(tools), ".tools", False) if tools.is_file() else None


def _run(argv: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def version(binary: str, env: Mapping[str, str]) -> str | None:
    """The `X.Y.Z` that `binary --version` prints, or None."""
    done = _run([binary, "--version"], env)
    if done is None or done.returncode != 0:
        return None
    match = _VERSION.search(done.stdout + done.stderr)
    return match.group(0) if match else None


@dataclass(frozen=True)
class HelpFlags:
    """The flags the CLI's help lists; `missing_commands` are help argvs that failed (no such subcommand)."""

    flags: frozenset[str]
    missing_commands: tuple[str, ...] = ()


def help_flags(spec: CliSpec, binary: str, env: Mapping[str, str]) -> HelpFlags:
    flags: set[str] = set(spec.hidden_flags)
    missing: list[str] = []
    for argv in spec.help_argvs:
        done = _run([binary, *argv], env)
        if done is None or done.returncode != 0:
            missing.append(" ".join(a for a in argv if a != "--help"))
            continue
        flags |= flags_in(done.stdout + done.stderr)
    return HelpFlags(frozenset(flags), tuple(missing))


def flags_in(help_text: str) -> set[str]:
    """Every `--long` and `-s` option a help text names."""
    return set(_FLAG.findall(help_text))
