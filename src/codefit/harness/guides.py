"""Feedforward guides: the instructions file an agent reads (AGENTS.md, CLAUDE.md), from the config.

Claude Code reads CLAUDE.md; Codex and most other agents read AGENTS.md; Aider is given it with
`--read`. A repository's own guide is never overwritten: codefit writes the variant the agent also
reads (CLAUDE.local.md, AGENTS.override.md) and carries the repository's text along.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from codefit.harness.context import FLAG_FILE, FLAG_PHRASE

if TYPE_CHECKING:
    from codefit.config import LoadedConfig
    from codefit.sensors.base import Sensor

TEMPLATE = Path(__file__).parent / "templates" / "guide.md.j2"
GUIDE_FILES = ("AGENTS.md", "CLAUDE.md")
PYTEST_COMMAND = "python -m pytest"
FALLBACK = {"AGENTS.md": "AGENTS.override.md", "CLAUDE.md": "CLAUDE.local.md"}


@dataclass(frozen=True)
class GuideInput:
    task: str
    writable: tuple[str, ...]
    protected: tuple[str, ...]
    checks: tuple[str, ...]
    mcp: bool = False


def guide_from_config(loaded: LoadedConfig, *, mcp: bool = False) -> GuideInput:
    """The guide of a run: the task, the globs, and the commands of the train-split sensors."""
    cfg = loaded.config
    return GuideInput(
        task=loaded.task_text,
        writable=tuple(cfg.writable),
        protected=tuple(cfg.protected),
        checks=tuple(check_commands(loaded.build_spec().train)),
        mcp=mcp,
    )


def check_commands(sensors: Sequence[Sensor]) -> list[str]:
    """A command per visible sensor that the agent can run itself."""
    out = []
    for sensor in sensors:
        options: Any = getattr(sensor, "options", None)
        kind = sensor.settings.kind
        if kind == "pytest":
            args = list(getattr(options, "args", []) or [])
            out.append(" ".join([PYTEST_COMMAND, *(shlex.quote(a) for a in args)]))
        elif kind == "command" and getattr(options, "command", None):
            out.append(str(options.command))
        else:
            out.append(f"(codefit sensor `{sensor.settings.name}`, kind {kind}: run via the checks report)")
    return out


def check_prefixes(sensors: Sequence[Sensor]) -> list[str]:
    """What each runnable check starts with (pytest: any selection of tests), for agents whose
    commands must be allowed in advance."""
    out: list[str] = []
    for sensor in sensors:
        command = getattr(getattr(sensor, "options", None), "command", None)
        if sensor.settings.kind == "pytest":
            out.append(PYTEST_COMMAND)
        elif sensor.settings.kind == "command" and command:
            out.append(str(command))
    return list(dict.fromkeys(out))


def render_guide(guide: GuideInput, template: Path | None = None) -> str:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
    )
    text = env.from_string((template or TEMPLATE).read_text(encoding="utf-8")).render(
        task=guide.task.strip(),
        writable=guide.writable,
        protected=guide.protected,
        checks=guide.checks,
        mcp=guide.mcp,
        flag_file=FLAG_FILE,
        flag_phrase=FLAG_PHRASE,
    )
    return text.strip() + "\n"


def write_guides(workspace: Path, guide: GuideInput, names: Sequence[str] = GUIDE_FILES) -> list[str]:
    """Write the guides; returns the workspace-relative names written (to keep out of checkpoints)."""
    text = render_guide(guide)
    written = []
    for name in names:
        target = workspace / name
        # A link planted in the workspace must not make codefit, on the host, read or write
        # through it: only a regular file counts as the repository's own notes.
        if target.is_file() and not target.is_symlink():
            own = target.read_text(encoding="utf-8", errors="replace")
            name = FALLBACK.get(name, f"codefit-{name}")
            target = workspace / name
            body = f"{text}\n## The repository's own notes\n\n{own.strip()}\n"
        else:
            body = text
        if target.is_symlink():
            target.unlink()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        written.append(name)
    return written
