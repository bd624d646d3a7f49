"""Trees to files and files to trees, byte for byte, without git's checkout or add machinery.

Writing a tree (`write_tree`) takes each entry's raw blob from `ls-tree` + `cat-file --batch`:
no filter, no end-of-line conversion, no `export-ignore`/`export-subst`, whatever a
`.gitattributes` in the tree says; symlinks are written as symlinks and modes are kept.

Reading files into a tree (`capture`) hashes the bytes on disk with `--no-filters` into a fresh,
throw-away index: no index bit (assume-unchanged, skip-worktree) and no clean filter can change
what is recorded, and a path with a `.git` part is never taken. The caller names which files count.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codefit.errors import WorkspaceError
from codefit.workspace.git import GitDir
from codefit.workspace.hashcache import HashCache

BLOB, EXECUTABLE, SYMLINK, GITLINK = "100644", "100755", "120000", "160000"


def _nothing(name: str) -> bool:
    return False


@dataclass(frozen=True)
class Entry:
    mode: str
    sha: str
    path: str


def entries(git: GitDir, treeish: str, paths: Sequence[str] = ()) -> list[Entry]:
    """Every file of `treeish` (recursively), as recorded; with `paths`, only those (and the files
    of those that are folders)."""
    out = git.run_bytes("ls-tree", "-r", "-z", "--full-tree", treeish, *(["--", *paths] if paths else []))
    found = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, _kind, sha = meta.decode().split()
        found.append(Entry(mode, sha, os.fsdecode(path)))
    return found


def blobs(git: GitDir, shas: Iterable[str]) -> dict[str, bytes]:
    """The raw content of each blob, read in one `cat-file --batch`."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = git.run_bytes("cat-file", "--batch", input_bytes="".join(f"{s}\n" for s in wanted).encode())
    found: dict[str, bytes] = {}
    at = 0
    for sha in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3:
            raise WorkspaceError(f"git object {sha} is missing", where=str(git.git_dir))
        size = int(header[2])
        found[sha] = out[end + 1 : end + 1 + size]
        at = end + 1 + size + 1  # the content is followed by a newline
    return found


def write_tree(git: GitDir, treeish: str, dest: Path, keep: Callable[[str], bool] = _nothing) -> None:
    """Make `dest` hold exactly the files of `treeish`: what is there already and identical (bytes,
    permissions, link target) stays, anything else goes or is rewritten, except the top-level
    names `keep` accepts. A fresh folder gets every file; a folder written before costs a read."""
    listed = entries(git, treeish)
    content = blobs(git, (e.sha for e in listed if e.mode != GITLINK))
    expected = {e.path: e for e in listed}
    folders = {p.as_posix() for e in listed for p in Path(e.path).parents if p != Path(".")}
    folders |= {e.path for e in listed if e.mode == GITLINK}
    dest.mkdir(parents=True, exist_ok=True)
    _prune(dest, "", _Wanted(expected, folders, content), keep)
    made: set[Path] = {dest}
    for entry in listed:
        target = dest / entry.path
        if os.path.lexists(target):
            continue  # left by _prune: already what it must be
        _make_parents(target.parent, made)
        if entry.mode == GITLINK:
            target.mkdir()  # an embedded repository's place; its files are not in this tree
        elif entry.mode == SYMLINK:
            os.symlink(os.fsdecode(content[entry.sha]), target)
        else:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _file_mode(entry.mode))
            with os.fdopen(fd, "wb") as fh:
                fh.write(content[entry.sha])
            os.chmod(target, _file_mode(entry.mode))  # whatever the umask


@dataclass(frozen=True)
class _Wanted:
    files: dict[str, Entry]
    folders: set[str]
    content: dict[str, bytes]

    def same(self, rel: str, entry: os.DirEntry[str]) -> bool:
        """Whether what is at `rel` is exactly the tree's entry there."""
        want = self.files.get(rel)
        if want is None or want.mode == GITLINK:
            return False
        if entry.is_symlink():
            return want.mode == SYMLINK and os.fsencode(os.readlink(entry.path)) == self.content[want.sha]
        if want.mode == SYMLINK or not entry.is_file(follow_symlinks=False):
            return False
        if stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) != _file_mode(want.mode):
            return False
        with open(entry.path, "rb") as fh:
            return fh.read() == self.content[want.sha]


def _prune(folder: Path, prefix: str, wanted: _Wanted, keep: Callable[[str], bool]) -> None:
    try:
        found = list(os.scandir(folder))
    except OSError:  # unreadable: the code under test closed it
        _remove(folder)
        return
    for entry in found:
        rel = prefix + entry.name
        if not prefix and keep(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False) and rel in wanted.folders:
            _prune(Path(entry.path), rel + "/", wanted, _nothing)
        elif not wanted.same(rel, entry):
            _remove(Path(entry.path))


def capture(git: GitDir, paths: Iterable[str], cache: HashCache | None = None) -> str:
    """The tree of the files at `paths` (relative to the work tree) as they are on disk now;
    files whose signature `cache` knows are not read again.

    A path that is missing, a folder, or neither a file nor a link is left out."""
    root = git.work_tree
    files: list[tuple[str, str, os.stat_result]] = []  # (path, mode, signature) to hash
    links: list[str] = []
    lines = []
    safe: dict[str, bool] = {"": True}
    top = str(root)
    for rel in sorted(set(paths)):
        parts = rel.split("/")
        if ".git" in parts or "\n" in rel or not _no_link_above(top, "/".join(parts[:-1]), safe):
            continue
        try:
            info = os.lstat(os.path.join(top, rel))
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode):
            links.append(rel)
        elif stat.S_ISREG(info.st_mode):
            mode = EXECUTABLE if info.st_mode & 0o100 else BLOB
            known = cache.get(rel, info) if cache is not None else None
            if known is None:
                files.append((rel, mode, info))
            else:
                lines.append(f"{mode} {known}\t{rel}")
    if files:
        listing = "".join(f"{root / rel}\n" for rel, _, _ in files).encode()
        hashes = git.run("hash-object", "-w", "--no-filters", "--stdin-paths", input_bytes=listing).split()
        for (rel, mode, info), sha in zip(files, hashes, strict=True):
            lines.append(f"{mode} {sha}\t{rel}")
            if cache is not None:
                cache.put(rel, info, sha)
    if cache is not None:
        cache.save()
    for rel in links:
        target = os.fsencode(os.readlink(root / rel))
        sha = git.run("hash-object", "-w", "--no-filters", "--stdin", input_bytes=target).strip()
        lines.append(f"{SYMLINK} {sha}\t{rel}")
    with tempfile.TemporaryDirectory(prefix="codefit-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if lines:
            records = b"".join(os.fsencode(line) + b"\0" for line in lines)
            git.run("update-index", "-z", "--index-info", env=env, input_bytes=records)
        return git.run("write-tree", env=env).strip()


def _no_link_above(root: str, folder: str, safe: dict[str, bool]) -> bool:
    """Whether `folder` (relative, '' for the top) is a real folder all the way down from `root`:
    a path is never read through a link that could lead out of the tree."""
    if folder not in safe:
        inside = _no_link_above(root, folder.rpartition("/")[0], safe)
        path = os.path.join(root, folder)
        safe[folder] = inside and not os.path.islink(path) and os.path.isdir(path)
    return safe[folder]


def _make_parents(folder: Path, made: set[Path]) -> None:
    if folder in made:
        return
    _make_parents(folder.parent, made)
    if os.path.lexists(folder) and (os.path.islink(folder) or not folder.is_dir()):
        _remove(folder)
    if not os.path.lexists(folder):
        folder.mkdir()
    made.add(folder)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        _open_up(path)
        shutil.rmtree(path)
    else:
        path.unlink()


def _open_up(path: Path) -> None:
    """Make a folder and those below it listable again (the code under test may have closed them)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o755)
    for folder, dirs, _files in os.walk(path):
        for name in dirs:
            below = os.path.join(folder, name)
            if not os.path.islink(below):
                with contextlib.suppress(OSError):
                    os.chmod(below, 0o755)


def _file_mode(mode: str) -> int:
    return 0o755 if mode == EXECUTABLE else 0o644
