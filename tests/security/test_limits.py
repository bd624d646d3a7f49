"""The `[limits]` table: resource limits on every process codefit starts, 0 turning one off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.config import LimitSettings, load_config
from codefit.errors import ConfigError
from codefit.harness.plan import default_memory_mb, plan_from_config, resource_limits
from codefit.workspace import sandbox, sandbox_user
from codefit.workspace.sandbox import (
    ResourceLimits,
    SandboxSpec,
    limits_available,
    process_limit,
    user_threads,
    wrap_command,
)
from codefit.workspace.sandbox_user import Drop
from tests.conftest import needs_bwrap

needs_prlimit = pytest.mark.skipif(not limits_available(), reason="prlimit is not installed here")

CONFIG = """\
task = "Fix add."

[[sensors]]
name = "unit"
kind = "pytest"

[optimizer]
kind = "command"
command = "true"
"""


def _plan_limits(tmp_path: Path, table: str) -> ResourceLimits:
    (tmp_path / "codefit.toml").write_text(CONFIG + table)
    return plan_from_config(load_config(tmp_path)).context.limits


@needs_prlimit
def test_limits_table_reaches_the_sensor_context(tmp_path: Path) -> None:
    table = "\n[limits]\ncpu_seconds = 60\nmemory_mb = 1024\noutput_mb = 8\n"
    limits = _plan_limits(tmp_path, table)
    assert (limits.cpu_s, limits.memory_mb, limits.file_size_mb) == (60, 1024, 8)


@needs_prlimit
def test_default_limits_are_generous_and_zero_turns_each_off(tmp_path: Path) -> None:
    default = _plan_limits(tmp_path, "")
    assert default.cpu_s == 14400 and default.file_size_mb == 4096
    assert default.memory_mb == default_memory_mb() >= 2048
    off = resource_limits(LimitSettings(cpu_seconds=0, memory_mb=0, processes=0, output_mb=0))
    assert off == ResourceLimits() and off.prlimit_args() == []


def test_unknown_limits_key_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "codefit.toml").write_text(CONFIG + "\n[limits]\nmemory = 5\n")
    with pytest.raises(ConfigError, match=r"key 'limits.memory': unknown key"):
        load_config(tmp_path)


def test_process_limit_counts_what_the_user_already_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # RLIMIT_NPROC counts every thread of the user: a bare margin would stop a busy desktop's user.
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert user_threads() >= 1
    # Counted at the call (other processes come and go meanwhile): what it counts, plus the margin.
    monkeypatch.setattr(sandbox, "user_threads", lambda: 37)
    assert process_limit(100) == 137
    assert process_limit(0) is None


def test_process_limit_for_root_is_the_margin_in_a_sandbox_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Sandboxed processes of a root codefit run as an unprivileged user in a user namespace of
    # their own, whose count starts at zero; without that drop the limit could not bind at all.
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: True)
    monkeypatch.setattr(sandbox_user, "sandbox_identity", lambda: sandbox_user.Identity(1, 1, Drop.USERNS))
    assert process_limit(100) == 100
    monkeypatch.setattr(sandbox_user, "sandbox_identity", lambda: None)
    assert process_limit(100) is None


FORK_BOMB = """\
import os, sys, time
started = 0
for _ in range(400):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    started += 1
print(started)
"""


@needs_prlimit
@needs_bwrap
def test_a_fork_bomb_is_stopped_by_the_process_limit_even_for_root(tmp_path: Path) -> None:
    limits = ResourceLimits(processes=process_limit(64))
    argv = wrap_command([sys.executable, "-c", FORK_BOMB], SandboxSpec(workspace=tmp_path, limits=limits))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) < 64  # as root without the drop to an unprivileged user: 400
