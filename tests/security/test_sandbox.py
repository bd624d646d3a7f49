"""Bubblewrap isolation: an optimizer command that hunts for held-out tests finds nothing."""

from __future__ import annotations

import ast
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from codefit.seal import KEY_ENV, generate_key, keys_dir
from codefit.workspace.sandbox import (
    ResourceLimits,
    SandboxError,
    SandboxSpec,
    bwrap_args,
    limit_argv,
    require_sandbox,
    sandbox_available,
    sandbox_warning,
    scrub_env,
    wrap_command,
)
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo, needs_bwrap, run_git

ATTACKER = Path(__file__).with_name("exfiltrate.py")


def _scene(make_repo: MakeRepo, tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    marker = f"HELDOUT_{uuid.uuid4().hex}"
    key = generate_key().decode()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(outside / "config"))
    keys_dir().mkdir(parents=True)
    (keys_dir() / "k.key").write_text(key)
    hidden = outside / "hidden_tests"
    hidden.mkdir()
    (hidden / "test_hidden.py").write_text(f"def test_x():\n    assert '{marker}'\n")
    repo = make_repo({"src/app.py": "X = 1\n", "tests/test_app.py": "def test_a():\n    pass\n"})
    # The user's history once held the answer; the store holds held-out names.
    (repo / "answer.txt").write_text(marker)
    run_git(repo, "add", "answer.txt")
    run_git(repo, "commit", "-q", "-m", "answer")
    run_git(repo, "rm", "-q", "answer.txt")
    run_git(repo, "commit", "-q", "-m", "drop answer")
    moved = outside / "repo"
    shutil.move(repo, moved)
    (moved / ".codefit").mkdir()
    (moved / ".codefit" / "codefit.db").write_text(f"SQLite format 3 ... {marker} ...")
    ws = Workspace.create(moved, tmp_path / "ws")
    spec = SandboxSpec(workspace=ws.path, hidden=(moved, hidden, moved / ".codefit"))
    targets = [str(hidden), str(moved), str(moved / ".codefit" / "codefit.db"), str(keys_dir() / "k.key")]
    return {"marker": marker, "key": key, "spec": spec, "targets": targets, "ws": ws.path}


def _attack(argv: list[str], cwd: Path, key: str) -> list[str]:
    # A parent holding the key, as codefit's own process would.
    parent = [
        sys.executable,
        "-c",
        "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)",
    ]
    env = {**os.environ, KEY_ENV: key}
    proc = subprocess.run([*parent, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found: list[str] = json.loads(proc.stdout)
    return found


@needs_bwrap
def test_exfiltration_finds_nothing_under_the_sandbox(
    make_repo: MakeRepo, tmp_path: Path, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = _scene(make_repo, tmp_path, outside_tmp, monkeypatch)
    # The attacker runs from the workspace: the test checkout itself may sit under the hidden /tmp.
    attacker = Path(scene["ws"]) / "exfiltrate.py"
    shutil.copy(ATTACKER, attacker)
    attack = [sys.executable, str(attacker), scene["marker"], scene["key"], *scene["targets"]]

    # Control: unconfined, the same command finds the key and the held-out tests many ways.
    control = _attack(attack, scene["ws"], scene["key"])
    channels = {entry.split(":")[0] for entry in control}
    assert {"env", "proc", "file", "walk", "git"} <= channels, control

    assert _attack(wrap_command(attack, scene["spec"]), scene["ws"], scene["key"]) == []


@needs_bwrap
def test_workspace_is_the_only_writable_place(tmp_path: Path, outside_tmp: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    script = (
        "import pathlib, sys\n"
        "ok = []\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        pathlib.Path(p).write_text('x'); ok.append(p)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(ok)\n"
    )
    targets = [str(ws / "inside.txt"), str(outside_tmp / "outside.txt")]
    argv = wrap_command([sys.executable, "-c", script, *targets], SandboxSpec(workspace=ws))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == repr([targets[0]])
    assert (ws / "inside.txt").exists() and not (outside_tmp / "outside.txt").exists()


@needs_bwrap
def test_network_is_unshared_unless_allowed(tmp_path: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    threading.Thread(target=lambda: server.accept()[0].close(), daemon=True).start()
    probe = (
        "import socket, sys\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=5); print('connected')\n"
        "except OSError:\n"
        "    print('refused')\n"
    )
    try:
        blocked = wrap_command([sys.executable, "-c", probe], SandboxSpec(workspace=tmp_path))
        allowed = wrap_command(
            [sys.executable, "-c", probe], SandboxSpec(workspace=tmp_path, allow_network=True)
        )
        assert subprocess.run(blocked, capture_output=True, text=True, timeout=60).stdout.strip() == "refused"
        assert (
            subprocess.run(allowed, capture_output=True, text=True, timeout=60).stdout.strip() == "connected"
        )
    finally:
        server.close()


def test_cpu_limit_stops_a_busy_loop(tmp_path: Path) -> None:
    argv = limit_argv([sys.executable, "-c", "while True: pass"], ResourceLimits(cpu_s=1))
    proc = subprocess.run(argv, capture_output=True, timeout=120)
    assert proc.returncode != 0  # killed by SIGXCPU / SIGKILL, not left spinning


def test_file_size_limit_stops_a_flood(tmp_path: Path) -> None:
    script = f"open({str(tmp_path / 'big')!r}, 'wb').write(b'x' * 4_000_000)"
    proc = subprocess.run(
        limit_argv([sys.executable, "-c", script], ResourceLimits(file_size_mb=1)), timeout=60
    )
    assert proc.returncode != 0
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_file_size_limit_does_not_bound_output_to_a_pipe(tmp_path: Path) -> None:
    # Why ResourceLimits has no output limit: RLIMIT_FSIZE spares pipes, so the reader must bound output.
    script = "import sys; sys.stdout.buffer.write(b'x' * 4_000_000)"
    argv = limit_argv([sys.executable, "-c", script], ResourceLimits(file_size_mb=1))
    proc = subprocess.run(argv, capture_output=True, timeout=60)
    assert proc.returncode == 0 and len(proc.stdout) == 4_000_000


def test_environment_is_scrubbed_even_without_bubblewrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "secret-key")
    monkeypatch.setenv("CODEFIT_API_TOKEN", "secret-token")
    monkeypatch.setenv("CODEFIT_RUN_ID", "visible")
    monkeypatch.setenv(
        "PATH",
        "/usr/bin:/bin" if shutil.which("bwrap", path="/usr/bin:/bin") is None else "/nonexistent:/bin",
    )
    spec = SandboxSpec(workspace=tmp_path)
    argv = wrap_command(
        [sys.executable, "-c", "import os; print(sorted(k for k in os.environ if k.startswith('CODEFIT')))"],
        spec,
    )
    assert "bwrap" not in " ".join(argv) or sandbox_available()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout
    visible = set(ast.literal_eval(out.strip()))
    assert "CODEFIT_RUN_ID" in visible
    assert not visible & {KEY_ENV, "CODEFIT_API_TOKEN"}
    assert scrub_env({KEY_ENV: "k", "CODEFIT_API_TOKEN": "t", "HOME": "/h"}, spec) == {"HOME": "/h"}


def test_missing_bubblewrap_warns_and_require_sandbox_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert not sandbox_available()
    warning = sandbox_warning()
    assert warning is not None and "bubblewrap" in warning
    with pytest.raises(SandboxError, match="--require-sandbox"):
        require_sandbox()


def test_hidden_paths_inside_a_shown_folder_get_an_empty_tmpfs_and_files_dev_null(
    tmp_path: Path, outside_tmp: Path
) -> None:
    (outside_tmp / "dir").mkdir()
    (outside_tmp / "key").write_text("k")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = SandboxSpec(
        workspace=tmp_path / "ws",
        extra_ro=(outside_tmp,),
        hidden=(outside_tmp / "dir", outside_tmp / "key", outside_tmp / "gone", elsewhere),
    )
    (tmp_path / "ws").mkdir()
    args = bwrap_args(spec)
    pairs = list(itertools.pairwise(args))
    assert ("--tmpfs", str(outside_tmp / "dir")) in pairs
    assert ("/dev/null", str(outside_tmp / "key")) in pairs
    assert str(outside_tmp / "gone") not in args
    assert str(elsewhere) not in args  # shown nowhere: nothing to cover
    assert "--unshare-net" in args
    assert args.index(str(outside_tmp / "dir")) > args.index(str(outside_tmp))  # covered after shown
