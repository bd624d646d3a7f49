"""A root run lends an agent's state folder to the sandbox as a copy: the user's folder stays the user's.

Before, the folder was chowned to `nobody` (and made mode 1777) so that the sandboxed agent could
write it: the user's credentials were left readable by every `nobody` process on the host.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from pathlib import Path

import pytest

from codefit.optimizers.agents.process import run_agent
from codefit.workspace import sandbox_lend
from codefit.workspace.sandbox import SandboxSpec
from codefit.workspace.sandbox_user import sandbox_identity
from tests.conftest import needs_bwrap

as_root = pytest.mark.skipif(os.geteuid() != 0 or sandbox_identity() is None, reason="runs as root only")

# What an agent does to its own state: writes a new file in a new folder, rewrites one, removes one,
# replaces a file beside the folder, and notes who it runs as.
AGENT = (
    'cd "$HOME/.agent" && mkdir -p projects && echo session > projects/new.jsonl '
    "&& echo rotated > token && rm old.log && id -u > whoami "
    '&& echo "{\\"n\\": 2}" > "$HOME/.agent.json"'
)


def owners(root: Path) -> set[tuple[int, int]]:
    found = {(root.lstat().st_uid, root.lstat().st_gid)}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            info = (Path(folder) / name).lstat()
            found.add((info.st_uid, info.st_gid))
    return found


@needs_bwrap
@as_root
def test_an_agents_state_is_written_back_and_keeps_its_owner_and_mode(tmp_path: Path) -> None:
    home, workspace = tmp_path / "home", tmp_path / "ws"
    state = home / ".agent"
    state.mkdir(parents=True, mode=0o700)
    workspace.mkdir()
    (state / "token").write_text("secret\n")
    (state / "token").chmod(0o600)
    (state / "old.log").write_text("old\n")
    (home / ".agent.json").write_text('{"n": 1}\n')
    ipc = socket.socket(socket.AF_UNIX)  # an agent's IPC endpoint: not copied, left alone
    ipc.bind(str(state / "s"))
    user = (os.getuid(), os.getgid())

    run = run_agent(
        ["/bin/sh", "-c", AGENT],
        workspace=workspace,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout_s=60,
        writable=[state, home / ".agent.json"],
    )

    assert run.returncode == 0, run.stderr
    assert (state / "whoami").read_text().strip() == str(sandbox_identity().uid)  # type: ignore[union-attr]
    assert (state / "projects" / "new.jsonl").read_text() == "session\n"
    assert (state / "token").read_text() == "rotated\n" and not (state / "old.log").exists()
    assert (home / ".agent.json").read_text() == '{"n": 2}\n'
    assert owners(state) == {user} and owners(home / ".agent.json") == {user}
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "token").stat().st_mode) == 0o600
    assert stat.S_ISSOCK((state / "s").lstat().st_mode)
    ipc.close()


def test_write_back_carries_new_changed_removed_and_retyped_entries(tmp_path: Path) -> None:
    user, copy = tmp_path / "user", tmp_path / "copy"
    (user / "logs").mkdir(parents=True)
    (user / "logs" / "a.log").write_text("a")
    (user / "config").write_text("1")
    (user / "cache").mkdir()
    (user / "current").symlink_to("logs/a.log")
    sandbox_lend._copy(user, copy)
    before = sandbox_lend._marks(copy)
    (copy / "config").write_text("22")
    shutil.rmtree(copy / "logs")
    shutil.rmtree(copy / "cache")
    (copy / "cache").write_text("now a file")
    (copy / "current").unlink()
    (copy / "current").symlink_to("config")
    (copy / "new" / "deep").mkdir(parents=True)
    (copy / "new" / "deep" / "b").write_text("b")
    (user / "theirs").write_text("the user's own, written meanwhile")

    sandbox_lend.write_back(copy, user, before)

    assert sorted(str(p.relative_to(user)) for p in user.rglob("*")) == [
        "cache",
        "config",
        "current",
        "new",
        "new/deep",
        "new/deep/b",
        "theirs",
    ]
    assert (user / "config").read_text() == "22" and (user / "cache").read_text() == "now a file"
    assert os.readlink(user / "current") == "config" and (user / "new" / "deep" / "b").read_text() == "b"


@needs_bwrap
@as_root
def test_nothing_inside_the_tree_or_a_hidden_path_is_lent(tmp_path: Path) -> None:
    # The write-back would let the sandbox write into the user's repository through a copy.
    tree, repo, home = tmp_path / "ws", tmp_path / "repo", tmp_path / "home"
    for folder in (tree / "cache", repo / "state", home / ".agent"):
        folder.mkdir(parents=True)
    spec = SandboxSpec(
        workspace=tree, hidden=(repo,), extra_rw=(tree / "cache", repo / "state", home / ".agent")
    )
    with sandbox_lend.lent(spec) as confined:
        assert confined.extra_rw == (tree / "cache", repo / "state")
        assert [dest for _, dest in confined.rw_at] == [home / ".agent"]
