"""Who runs inside the sandbox: never root, so that resource limits bind.

RLIMIT_NPROC never applies to a process whose kernel uid is 0, so under a codefit run as root
(containers, CI) `processes = 64` let a fork bomb start 400 processes. When codefit is root:

    bwrap (root: mounts anything; gives its child only CAP_SETUID, CAP_SETGID and CAP_KILL)
      -- python -I -S sandbox_init.py U G --      (PID 1, stays root; U, G: the `nobody` account)
      -- bwrap --unshare-user --uid U --gid G --bind / / --dev /dev   (as U: unprivileged, nested)
      -- COMMAND

The command's kernel uid is `nobody`'s, so every rlimit binds, and it has no capability; the
nested user namespace gives each sandbox a process count of its own (RLIMIT_NPROC counts per
user namespace), so sandboxes running at once, or `nobody`'s other processes, never share one
budget. Where the nested namespace cannot be made, the command runs as `nobody` directly (the
count is then `nobody`'s, shared). PID 1 stays root so that it dies with bubblewrap and takes the
whole sandbox with it (`sandbox_init`).

The sandbox user writes only what codefit hands it first (`grant`): each writable root is chowned
to it below the top, except a top-level `.git` (git run by codefit must never read files the
sandbox could have written), and the top folder stays codefit's with mode 1777 (git refuses a
work tree whose top folder belongs to another user; the sticky bit keeps the sandbox from moving
the `.git` it cannot write). Root, outside, reads and removes whatever `nobody` wrote.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

NOBODY = 65534
OUTER_CAPS = ("--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_KILL")
INIT_SCRIPT = Path(__file__).with_name("sandbox_init.py")


class Drop(StrEnum):
    USERNS = "userns"  # a nested user namespace of the sandbox's own
    SHARED = "shared"  # `nobody` directly: the process count is shared with nobody's others


@dataclass(frozen=True)
class Identity:
    uid: int
    gid: int
    drop: Drop


def sandbox_identity() -> Identity | None:
    """The unprivileged user sandboxed processes run as; None when codefit is not root (they run
    as the user, whom the limits bind) or when bubblewrap cannot drop root here."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("nobody")
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        uid, gid = NOBODY, NOBODY
    drop = _drop_mode(shutil.which("bwrap"), sys.executable, uid, gid)
    return Identity(uid, gid, drop) if drop is not None else None


def drop_argv(identity: Identity) -> list[str]:
    """What runs inside the outer bubblewrap, before the command, to leave root."""
    argv = _init(sys.executable, identity.uid, identity.gid)
    if identity.drop is Drop.USERNS:
        argv += _nested(identity.uid, identity.gid)
    return argv


def _init(python: str, uid: int, gid: int) -> list[str]:
    return [python, "-I", "-S", str(INIT_SCRIPT), str(uid), str(gid), "--"]


def _nested(uid: int, gid: int) -> list[str]:
    bwrap = shutil.which("bwrap") or "bwrap"
    return [
        bwrap,
        "--unshare-user",
        "--uid",
        str(uid),
        "--gid",
        str(gid),
        "--bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--die-with-parent",
        "--",
    ]


@functools.lru_cache(maxsize=4)
def _drop_mode(bwrap: str | None, python: str, uid: int, gid: int) -> Drop | None:
    if bwrap is None:
        return None
    outer = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", *OUTER_CAPS]
    drop = _init(python, uid, gid)
    for mode, argv in ((Drop.USERNS, [*drop, *_nested(uid, gid)]), (Drop.SHARED, drop)):
        probe = [*outer, "--", *argv, "/bin/sh", "-c", f'test "$(id -u)" = {uid}']
        try:
            if subprocess.run(probe, capture_output=True, timeout=30).returncode == 0:
                return mode
        except (OSError, subprocess.TimeoutExpired):
            return None
    return None


def grant(roots: Iterable[Path], identity: Identity) -> None:
    """Make `roots` writable to the sandbox user (see the module docstring)."""
    for root in roots:
        try:
            info = root.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            _own(root, info, identity)
            continue
        if stat.S_IMODE(info.st_mode) != 0o1777:
            os.chmod(root, 0o1777)
        _own_below(root, identity, top=True)


def open_to_read(paths: Iterable[Path], identity: Identity) -> None:
    """Let the sandbox user into folders shown read-only that codefit or a test made under the
    temporary directory (`mkdtemp` makes them 0700). Nowhere else: a folder of the user's that
    others cannot read stays so, and the sandbox cannot read it either."""
    temp = {Path(tempfile.gettempdir()).resolve(), Path("/tmp"), Path("/var/tmp")}
    for path in paths:
        try:
            resolved = path.resolve()
            info = resolved.stat()
        except OSError:
            continue
        if not any(t in resolved.parents for t in temp) or not stat.S_ISDIR(info.st_mode):
            continue
        if info.st_uid != identity.uid and stat.S_IMODE(info.st_mode) & 0o005 != 0o005:
            os.chmod(resolved, stat.S_IMODE(info.st_mode) | 0o005)


def _own_below(folder: Path, identity: Identity, *, top: bool = False) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if top and entry.name == ".git":
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        _own(Path(entry.path), info, identity)
        if stat.S_ISDIR(info.st_mode):
            _own_below(Path(entry.path), identity)


def _own(path: Path, info: os.stat_result, identity: Identity) -> None:
    if (info.st_uid, info.st_gid) != (identity.uid, identity.gid):
        # Gone meanwhile, or a file system without owners: the sandbox cannot write it, no more.
        with contextlib.suppress(OSError):
            os.lchown(path, identity.uid, identity.gid)
