"""The optimizer's isolated workspace: a work tree outside the user's repository, and its git
directory beside it (`<workspace>.git`), outside everything the sandbox lets anyone write.

Its first commit is the base tree: every file the user's HEAD tracks (ignored or not, written raw),
plus uncommitted changes with `dirty`, without `.codefit/` and without any held-out path; no user
history. Each step is a commit of exactly the files on disk (see `trees.capture`): tracked ones,
and untracked ones the tree's `.gitignore` files do not ignore, never caches or bytecode or the
harness's own files. Every git call goes through `GitDir`, which runs nothing the tree could plant.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from codefit.errors import WorkspaceError
from codefit.workspace import trees
from codefit.workspace.generated import carried_at, write_carried
from codefit.workspace.git import GitDir, git, head_commit, ls_files, null_separated
from codefit.workspace.hashcache import HashCache

# The harness config and store are not the optimizer's business (the config names held-out paths).
ALWAYS_EXCLUDED = (".codefit", ".codefit-sealed", "codefit.toml")
HARNESS_SOCKET = ".codefit-harness.sock"
CACHES = (
    "__pycache__/",
    "*.pyc",
    ".pytest_cache/",
    ".coverage",
    ".coverage.*",
    ".mypy_cache/",
    ".ruff_cache/",
)
IGNORED_NOISE = (HARNESS_SOCKET, *CACHES)
BRANCH = "refs/heads/main"
EMPTY = "codefit-empty-tree"  # a folder in the git dir, the work tree of calls that need none
HASH_CACHE = "codefit-hash-cache.json"
COMMIT_ID = re.compile(r"[0-9a-f]{40}")
LISTINGS_KEPT = 8


def git_dir_of(path: Path) -> Path:
    """Where a workspace's git directory lives: beside it, never inside it."""
    return path.with_name(path.name + ".git")


class Workspace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.git_dir = git_dir_of(path)
        if not path.is_dir() or not (self.git_dir / "HEAD").is_file():
            raise WorkspaceError(
                f"workspace is gone or is not a codefit workspace (no git directory at {self.git_dir})",
                where=str(path),
            )
        self.git = GitDir(self.git_dir, path)
        # Calls that read commits only: a work tree with no `.gitattributes` to consult.
        self.objects = GitDir(self.git_dir, self.git_dir / EMPTY)
        self._base: str | None = None
        self._listings: dict[str, dict[str, trees.Entry]] = {}  # commit id -> its files, latest few

    @classmethod
    def create(
        cls,
        repo: Path,
        dest: Path,
        *,
        dirty: bool = False,
        exclude: Sequence[Path] = (),
        prepare: Callable[[Path], None] | None = None,
        commit: str | None = None,
    ) -> Workspace:
        """Build the workspace at `dest` from the user's repository `repo`, at `commit` (default: HEAD).

        `prepare` may change the tree before the base commit (canaries are planted there).
        """
        head = commit or head_commit(repo)
        if dest.exists() and any(dest.iterdir()):
            raise WorkspaceError("workspace directory is not empty", where=str(dest))
        dest.mkdir(parents=True, exist_ok=True)
        user_git = Path(git(repo, "rev-parse", "--absolute-git-dir").strip())
        trees.write_tree(GitDir(user_git, repo), head, dest)
        if dirty:
            _overlay_uncommitted(repo, dest)
        write_carried(carried_at(GitDir(user_git, repo), repo, head), dest)  # a version module built
        remove_excluded(dest, repo, exclude)
        if prepare is not None:
            prepare(dest)
        workspace = _init(dest)
        tree = trees.capture(workspace.git, _every_file(dest))
        workspace._commit(tree, f"codefit base (from {head[:12]})", parent=None)
        return workspace

    @classmethod
    def from_bundle(cls, bundle: Path, dest: Path, checkpoint: str) -> Workspace:
        """Rebuild a finished run's workspace at one of its checkpoints (for replay)."""
        if not bundle.is_file():
            raise WorkspaceError("the run's checkpoint bundle is missing", where=str(bundle))
        if dest.exists() and any(dest.iterdir()):
            raise WorkspaceError("workspace directory is not empty", where=str(dest))
        dest.mkdir(parents=True, exist_ok=True)
        workspace = _init(dest)
        workspace.objects.run(
            "fetch", "-q", "--no-tags", "--update-head-ok", str(bundle.resolve()), "+refs/*:refs/*"
        )
        workspace.objects.run("update-ref", BRANCH, checkpoint)
        trees.write_tree(workspace.objects, checkpoint, dest)
        return workspace

    @property
    def base(self) -> str:
        """The root commit: made once, when the workspace is created, and never moved."""
        if self._base is None:
            self._base = self.objects.run("rev-list", "--max-parents=0", "HEAD").split()[0]
        return self._base

    def head(self) -> str:
        return self.objects.run("rev-parse", "HEAD").strip()

    def ignore(self, patterns: Sequence[str]) -> None:
        """Keep harness-written files (agent guides, notes) out of every checkpoint."""
        exclude = self.git_dir / "info" / "exclude"
        present = set(exclude.read_text().splitlines())
        with exclude.open("a") as fh:
            for pattern in patterns:
                if pattern not in present:
                    fh.write(pattern + "\n")

    def has_changes(self) -> bool:
        return self.tree_now() != self.tree_of("HEAD")

    def changed_now(self) -> list[str]:
        """Paths whose content on disk differs from the last checkpoint (what a snapshot would record)."""
        return self.changed_files("HEAD", self.tree_now())

    def snapshot(self, message: str) -> str:
        """Commit the current tree (even when unchanged) and return the checkpoint."""
        return self._commit(self.tree_now(), message, parent=self.head())

    def tree_of(self, commit: str) -> str:
        return self.objects.run("rev-parse", f"{commit}^{{tree}}").strip()

    def tree_now(self) -> str:
        """The tree a snapshot would record now, without committing (see the module docstring)."""
        return trees.capture(self.git, self.listed_files(), HashCache(self.git_dir / HASH_CACHE))

    def listed_files(self) -> list[str]:
        """The files a snapshot takes: tracked ones, and untracked ones neither ignored nor noise."""
        with tempfile.TemporaryDirectory(prefix="codefit-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.git.run("read-tree", "HEAD", env=env)
            out = self.git.run("ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard", env=env)
        patterns = self._patterns()
        listed = []
        for tagged in null_separated(out):
            tag, rel = tagged[:2], tagged[2:]
            if tag == "H " or (not rel.endswith("/") and not _matches(rel, patterns)):
                listed.append(rel)
        return listed

    def diff(self, a: str, b: str) -> str:
        return self.objects.run("diff", "--no-color", "--no-ext-diff", "--no-textconv", a, b)

    def changed_files(self, a: str, b: str) -> list[str]:
        out = self.objects.run("diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", a, b)
        return [p for p in out.split("\0") if p]

    def show(self, commit: str, path: str) -> str | None:
        """A file's text at a checkpoint, or None where it has no file (or link) there."""
        data = self.read(commit, path)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read(self, commit: str, path: str) -> bytes | None:
        """A file's bytes at a checkpoint, or None where it has no file (or link) there."""
        try:
            entry = self.listing(commit).get(path)
        except WorkspaceError:  # no such commit: no file there
            return None
        if entry is None or entry.mode == trees.GITLINK:
            return None
        return self.objects.run_bytes("cat-file", "blob", entry.sha)

    def files(self, commit: str) -> list[str]:
        return list(self.listing(commit))

    def listing(self, commit: str) -> dict[str, trees.Entry]:
        """{path: entry} of every file of `commit`, kept for the few commit ids asked last (an id
        names the same files forever; a ref such as HEAD is listed afresh)."""
        listing = self._listings.pop(commit, None)
        if listing is None:
            listing = {e.path: e for e in trees.entries(self.objects, commit)}
        if COMMIT_ID.fullmatch(commit):
            self._listings[commit] = listing  # the newest last: the oldest goes first
            while len(self._listings) > LISTINGS_KEPT:
                del self._listings[next(iter(self._listings))]
        return listing

    def rollback(self, commit: str) -> None:
        """Make the work tree exactly `commit`'s files: everything else goes, ignored files and
        caches included, except the harness's own files at the top."""
        harness = [p for p in self._patterns() if p not in CACHES]
        trees.write_tree(self.objects, commit, self.path, keep=lambda name: _matches(name, harness))
        self.objects.run("update-ref", BRANCH, commit)

    def export_tree(self, commit: str, dest: Path) -> None:
        """Write the tree of `commit` into `dest` (a grading copy), raw, without git metadata."""
        trees.write_tree(self.objects, commit, dest)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.rmtree(self.git_dir, ignore_errors=True)

    def _commit(self, tree: str, message: str, parent: str | None) -> str:
        parents = ["-p", parent] if parent else []
        commit = self.objects.run("commit-tree", tree, *parents, "-m", message).strip()
        self.objects.run("update-ref", BRANCH, commit)
        return commit

    def _patterns(self) -> list[str]:
        exclude = self.git_dir / "info" / "exclude"
        return [line for line in exclude.read_text().splitlines() if line and not line.startswith("#")]


def _init(dest: Path) -> Workspace:
    """A fresh git directory beside `dest`, with codefit's excludes and no hook, on branch main."""
    git_dir = git_dir_of(dest)
    if git_dir.exists():
        raise WorkspaceError("a git directory is already there", where=str(git_dir))
    (git_dir / EMPTY).mkdir(parents=True)
    # core.worktree is the empty folder: even a call without --work-tree would reach no file.
    GitDir(git_dir, git_dir / EMPTY).run("init", "-q", "--template=", "--initial-branch=main")
    (git_dir / "info").mkdir(exist_ok=True)
    (git_dir / "info" / "exclude").write_text("\n".join(IGNORED_NOISE) + "\n")
    return Workspace(dest)


def _every_file(root: Path) -> list[str]:
    """Every file and link under `root`, relative, links not followed, `.git` parts skipped."""
    found = []
    for folder, dirs, names in os.walk(root):
        base = Path(folder).relative_to(root)
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = [d for d in dirs if d != ".git" and d not in links]
        found += [(base / n).as_posix() for n in [*names, *links] if n != ".git"]
    return found


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    """Whether a pattern names one of `rel`'s parts (`name/` only a folder above it), as a
    `.gitignore` line without a slash does; no later `.gitignore` line can take it back."""
    parts = rel.split("/")
    for pattern in patterns:
        folder = pattern.endswith("/")
        name = pattern.rstrip("/")
        candidates = parts[:-1] if folder else parts
        if any(fnmatch.fnmatchcase(part, name) for part in candidates):
            return True
    return False


def _overlay_uncommitted(repo: Path, dest: Path) -> None:
    """Lay the working tree's differences from HEAD, staged or not, and untracked files over HEAD."""
    changed = null_separated(git(repo, "diff", "--name-only", "-z", "--no-renames", "HEAD"))
    for rel in [*changed, *ls_files(repo, "--others", "--exclude-standard")]:
        src = repo / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
        elif not src.exists():
            (dest / rel).unlink(missing_ok=True)


def remove_excluded(dest: Path, repo: Path, exclude: Sequence[Path]) -> None:
    """Take out of `dest` (a tree of `repo`'s files) what a workspace never holds, at any depth."""
    for rel in excluded_relatives(repo, exclude):
        target = dest / rel
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif os.path.lexists(target):
            target.unlink()


def excluded_relatives(repo: Path, exclude: Sequence[Path]) -> list[str]:
    """The paths, relative to `repo`, a workspace never holds: the harness's own files and those of
    `exclude` inside the repository."""
    rels = list(ALWAYS_EXCLUDED)
    for path in exclude:
        resolved = path.resolve()
        if resolved == repo or repo in resolved.parents:
            rels.append(str(resolved.relative_to(repo)))
    return rels
