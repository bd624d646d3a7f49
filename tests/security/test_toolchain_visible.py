"""The sandbox hides /tmp, but codefit's own interpreter may live there (a fresh CI clone)."""

from __future__ import annotations

import sys
from pathlib import Path

import codefit
from codefit.workspace.sandbox import SandboxSpec, bwrap_args, toolchain_paths


def test_codefit_interpreter_and_package_are_bound_read_only(tmp_path: Path) -> None:
    paths = toolchain_paths()
    assert Path(sys.prefix).resolve() in paths
    assert Path(codefit.__file__).resolve().parents[1] in paths
    args = bwrap_args(SandboxSpec(workspace=tmp_path, hidden=(Path(sys.prefix),)))
    tmpfs_at = args.index("/tmp") if "/tmp" in args else -1
    binds = [args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"]
    assert str(Path(sys.prefix).resolve()) in binds
    # Bound after the empty /tmp and after the hidden paths, so neither covers it.
    bind_at = max(i for i, a in enumerate(args) if a == str(Path(sys.prefix).resolve()))
    assert bind_at > tmpfs_at
