"""Sandboxed processes of a root codefit run as an unprivileged user, and die with their sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from codefit.sensors.process import run_bounded
from codefit.workspace.sandbox import SandboxSpec, wrap_command
from codefit.workspace.sandbox_user import sandbox_identity
from tests.conftest import MakeRepo, needs_bwrap

as_root = pytest.mark.skipif(os.geteuid() != 0 or sandbox_identity() is None, reason="runs as root only")


def _alive(marker: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(pid)
    return found


@needs_bwrap
def test_a_timed_out_sandbox_leaves_no_process_behind(tmp_path: Path) -> None:
    # Changing uid (setpriv) clears the parent-death signal: without re-arming it, killing bwrap
    # left the whole sandbox running as `nobody`, in a session of its own that no killpg reaches.
    marker = f"codefit-linger-{uuid.uuid4().hex}"
    script = f"import time; time.sleep(300)  # {marker}"
    argv = wrap_command(
        ["/bin/sh", "-c", f'{sys.executable} -c "{script}" & {sys.executable} -c "{script}"'],
        SandboxSpec(workspace=tmp_path),
    )
    done = run_bounded(argv, cwd=tmp_path, env=dict(os.environ), timeout_s=3)
    assert done.timed_out
    deadline = time.monotonic() + 30
    while _alive(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(marker) == []


@needs_bwrap
@as_root
def test_the_command_runs_as_the_unprivileged_user_with_no_capabilities(tmp_path: Path) -> None:
    probe = "grep -E '^(Uid|CapEff|CapPrm|CapAmb):' /proc/self/status"
    done = subprocess.run(
        wrap_command(["/bin/sh", "-c", probe], SandboxSpec(workspace=tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    fields = dict(line.split(":", 1) for line in done.stdout.splitlines())
    uid = str(sandbox_identity().uid)  # type: ignore[union-attr]
    assert fields["Uid"].split() == [uid] * 4
    assert {fields[k].strip() for k in ("CapEff", "CapPrm", "CapAmb")} == {"0000000000000000"}


@needs_bwrap
@as_root
@pytest.mark.parametrize(
    ("command", "status"),
    [("exit 7", 7), ("kill -TERM $$", 128 + 15), ("exec codefit-no-such-program", 127)],
)
def test_the_sandbox_returns_the_commands_own_status(tmp_path: Path, command: str, status: int) -> None:
    argv = wrap_command(["/bin/sh", "-c", command], SandboxSpec(workspace=tmp_path))
    assert subprocess.run(argv, capture_output=True, timeout=60).returncode == status


@needs_bwrap
@as_root
def test_nothing_inside_a_hidden_path_is_handed_to_the_sandbox_user(make_repo: MakeRepo) -> None:
    # A caller that ran the sandbox on the user's repository itself must not chown the user's files.
    repo = make_repo({"a.py": "x = 1\n"})
    wrap_command(["true"], SandboxSpec(workspace=repo, hidden=(repo,)))
    assert {p.stat().st_uid for p in [repo, repo / "a.py"]} == {os.geteuid()}
    assert repo.stat().st_mode & 0o777 != 0o777
