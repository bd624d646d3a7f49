"""A version manager's shims on PATH (pyenv's `~/.pyenv/shims/python3`) still run in the sandbox,
though the home folder that holds them is hidden: the manager's root is shown read-only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from codefit.workspace.sandbox import SandboxSpec, sandbox_available, shim_roots, wrap_command

pytestmark = pytest.mark.skipif(not sandbox_available(), reason="needs bubblewrap")


def test_a_shim_on_path_runs_its_manager_inside_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "home" / ".pyenv"
    (root / "shims").mkdir(parents=True)
    (root / "libexec").mkdir()
    (root / "libexec" / "pyenv").write_text('#!/bin/sh\necho managed "$@"\n')
    (root / "shims" / "tool").write_text(f'#!/bin/sh\nexec {root}/libexec/pyenv exec tool "$@"\n')
    for script in (root / "libexec" / "pyenv", root / "shims" / "tool"):
        script.chmod(0o755)
    for folder in (tmp_path, tmp_path / "home", root, root / "shims", root / "libexec"):
        folder.chmod(0o755)  # the sandbox user is not the owner
    monkeypatch.setenv("PATH", f"{root / 'shims'}:{os.environ['PATH']}")
    assert root in shim_roots() and shim_roots("/usr/bin:/bin") == []
    workspace = tmp_path / "ws"
    workspace.mkdir()
    workspace.chmod(0o777)
    argv = wrap_command(["sh", "-c", "tool 1 2"], SandboxSpec(workspace=workspace))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "managed exec tool 1 2"
