"""The user's own state, lent to a root run's sandbox as a copy: the user's folder stays the user's.

Under a root codefit the sandboxed command runs as `nobody` (`sandbox_user`), which can write only
what it owns. Handing it an agent's state folder (`~/.claude`, `~/.codex`, `~/.claude.json`) by
chown left the user's credentials owned by `nobody`, readable by every other `nobody` process on
the host, and the folder world-writable (mode 1777). Instead, each such path is copied into a
private scratch folder (0700, codefit's), the copy is handed to `nobody` and shown in the sandbox
at the original path, and after the command what it changed is written back: changed and new
entries with the owner of what they replace (a new one: its folder's owner), removed ones removed.
Nothing of the user's own changes owner or mode. A run that is not root lends nothing: the
command runs as the user, who owns the folder already.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codefit.workspace import sandbox_user
from codefit.workspace.sandbox import SandboxSpec, sandbox_available

# What an entry looked like when lent: (file type, size, modification time in ns, link target).
Mark = tuple[int, int, int, str]


@contextmanager
def lent(spec: SandboxSpec) -> Iterator[SandboxSpec]:
    """`spec` with its writable paths outside the workspace that the sandbox user does not own
    replaced by copies shown at their paths; what the command changed in them is written back
    when the block ends (also after an error: the command may have run)."""
    identity = sandbox_user.sandbox_identity() if sandbox_available() else None
    if identity is None:
        yield spec
        return
    lend = [p for p in spec.extra_rw if _lendable(p, spec, identity.uid)]
    if not lend:
        yield spec
        return
    with tempfile.TemporaryDirectory(prefix="codefit-lent-") as scratch:
        copies = [(path, Path(scratch) / str(i) / path.name) for i, path in enumerate(lend)]
        marks = []
        for path, copy in copies:
            copy.parent.mkdir()
            _copy(path, copy)
            marks.append(_marks(copy))
        kept = tuple(p for p in spec.extra_rw if p not in lend)
        try:
            yield dataclasses.replace(
                spec, extra_rw=kept, rw_at=(*spec.rw_at, *((copy, path) for path, copy in copies))
            )
        finally:
            for (path, copy), before in zip(copies, marks, strict=True):
                write_back(copy, path, before)


def _lendable(path: Path, spec: SandboxSpec, uid: int) -> bool:
    """Not the tree, nor anything inside it or inside a hidden path (the user's repository: the
    sandbox must never write there, and the write-back would)."""
    try:
        resolved, info = path.resolve(), path.lstat()
    except OSError:
        return False
    fenced = [spec.workspace.resolve(), *(h.resolve() for h in spec.hidden)]
    return info.st_uid != uid and not any(f == resolved or f in resolved.parents for f in fenced)


def _copy(path: Path, copy: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.copytree(path, copy, symlinks=True, ignore=_special)
    else:
        shutil.copy2(path, copy, follow_symlinks=False)


def _special(folder: str, names: list[str]) -> set[str]:
    """Sockets and fifos (an agent's IPC endpoint) are not copied: opening one would block or fail."""
    kept = (stat.S_ISDIR, stat.S_ISREG, stat.S_ISLNK)
    out = set()
    for name in names:
        with contextlib.suppress(OSError):
            mode = os.lstat(os.path.join(folder, name)).st_mode
            if not any(test(mode) for test in kept):
                out.add(name)
    return out


def _marks(root: Path) -> dict[str, Mark]:
    """Every entry under `root` (itself as "."), by path relative to it."""
    out = {".": _mark(root)}
    if root.is_dir() and not root.is_symlink():
        for folder, dirs, files in os.walk(root):
            for name in [*dirs, *files]:
                entry = Path(folder) / name
                out[str(entry.relative_to(root))] = _mark(entry)
    return out


def _mark(path: Path) -> Mark:
    """A folder is marked by its type alone (its entries are marked each), a link by its target."""
    info = path.lstat()
    kind = stat.S_IFMT(info.st_mode)
    if stat.S_ISREG(info.st_mode):
        return (kind, info.st_size, info.st_mtime_ns, "")
    return (kind, 0, 0, os.readlink(path) if stat.S_ISLNK(info.st_mode) else "")


def write_back(copy: Path, path: Path, before: dict[str, Mark]) -> None:
    """Make `path` hold what the command left in `copy`: changed and new entries written (shallowest
    first), entries it removed removed (deepest first); the user's entries keep their owner."""
    try:
        after = _marks(copy)
    except OSError:
        return  # the copy itself is gone: nothing is known of what the command did
    for rel in sorted((r for r in before if r not in after), key=lambda r: -len(Path(r).parts)):
        _remove(path / rel)
    for rel in sorted((r for r in after if after[r] != before.get(r)), key=lambda r: len(Path(r).parts)):
        if rel != "." or not stat.S_ISDIR(after[rel][0]):
            _put(copy / rel, path if rel == "." else path / rel)


def _remove(target: Path) -> None:
    try:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    except FileNotFoundError:
        pass


def _put(source: Path, target: Path) -> None:
    """`source` (a folder, file or link the command wrote) at `target`, owned as what it replaces
    or, when new, as the folder it lands in. Special files (sockets, fifos) are not carried."""
    owner = _owner(target) or _owner(target.parent)
    info = source.lstat()
    if stat.S_ISDIR(info.st_mode):
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            target.unlink()
        target.mkdir(mode=stat.S_IMODE(info.st_mode), exist_ok=True)
    elif stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        # Beside the target, then renamed over it: a reader never sees half a file.
        staged = target.with_name(f".{target.name}.codefit-lent")
        _remove(staged)
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(source), staged)
        else:
            shutil.copy2(source, staged, follow_symlinks=False)
        os.replace(staged, target)
    else:
        return
    if owner is not None:
        os.lchown(target, *owner)


def _owner(path: Path) -> tuple[int, int] | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return info.st_uid, info.st_gid
