"""Launching optimizer processes in isolation.

`wrap_command` turns an argv into one that runs confined to the workspace. This first version
runs the command as it is; the sandbox issue replaces the body with a bubblewrap launch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SandboxSpec:
    """What an optimizer process may see and reach."""

    workspace: Path
    hidden: tuple[Path, ...] = ()
    allow_network: bool = False
    allow_hosts: tuple[str, ...] = ()
    extra_ro: tuple[Path, ...] = field(default_factory=tuple)


def wrap_command(argv: Sequence[str], spec: SandboxSpec) -> list[str]:
    """The argv to execute so that `argv` runs under `spec`."""
    return list(argv)
