"""The optimizer's isolated workspace: a fresh git repository outside the user's repository.

Its first commit is the base tree (the user's HEAD, plus uncommitted changes with `dirty`)
without `.codefit/` and without any held-out path; no user history. Each step is a commit.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from codefit.errors import WorkspaceError
from codefit.workspace.git import git, git_bytes, head_commit, ls_files, null_separated

# The harness config and store are not the optimizer's business (the config names held-out paths).
ALWAYS_EXCLUDED = (".codefit", ".codefit-sealed", "codefit.toml")
IGNORED_NOISE = (
    ".codefit-harness.sock",
    "__pycache__/",
    "*.pyc",
    ".pytest_cache/",
    ".coverage",
    ".coverage.*",
    ".mypy_cache/",
    ".ruff_cache/",
)


class Workspace:
    def __init__(self, path: Path) -> None:
        if not (path / ".git").is_dir():
            raise WorkspaceError("workspace is gone or is not a git repository", where=str(path))
        self.path = path

    @classmethod
    def create(
        cls,
        repo: Path,
        dest: Path,
        *,
        dirty: bool = False,
        exclude: Sequence[Path] = (),
        prepare: Callable[[Path], None] | None = None,
    ) -> Workspace:
        """Build the workspace at `dest` from the user's repository `repo`.

        `prepare` may change the tree before the base commit (canaries are planted there).
        """
        head = head_commit(repo)
        if dest.exists() and any(dest.iterdir()):
            raise WorkspaceError("workspace directory is not empty", where=str(dest))
        dest.mkdir(parents=True, exist_ok=True)
        extract_tar(git_bytes(repo, "archive", "--format=tar", head), dest)
        if dirty:
            _overlay_uncommitted(repo, dest)
        for rel in _excluded_relatives(repo, exclude):
            target = dest / rel
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        if prepare is not None:
            prepare(dest)
        git(dest, "init", "-q", "-b", "main")
        (dest / ".git" / "info").mkdir(parents=True, exist_ok=True)
        (dest / ".git" / "info" / "exclude").write_text("\n".join(IGNORED_NOISE) + "\n")
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "--allow-empty", "-m", f"codefit base (from {head[:12]})")
        return cls(dest)

    @classmethod
    def from_bundle(cls, bundle: Path, dest: Path, checkpoint: str) -> Workspace:
        """Rebuild a finished run's workspace at one of its checkpoints (for replay)."""
        if not bundle.is_file():
            raise WorkspaceError("the run's checkpoint bundle is missing", where=str(bundle))
        dest.parent.mkdir(parents=True, exist_ok=True)
        git(dest.parent, "clone", "-q", "--no-checkout", str(bundle), str(dest))
        git(dest, "checkout", "-q", "-B", "main", checkpoint)
        (dest / ".git" / "info").mkdir(parents=True, exist_ok=True)
        (dest / ".git" / "info" / "exclude").write_text("\n".join(IGNORED_NOISE) + "\n")
        return cls(dest)

    @property
    def base(self) -> str:
        return git(self.path, "rev-list", "--max-parents=0", "HEAD").split()[0]

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").strip()

    def ignore(self, patterns: Sequence[str]) -> None:
        """Keep harness-written files (agent guides, notes) out of every checkpoint."""
        exclude = self.path / ".git" / "info" / "exclude"
        present = set(exclude.read_text().splitlines())
        with exclude.open("a") as fh:
            for pattern in patterns:
                if pattern not in present:
                    fh.write(pattern + "\n")

    def has_changes(self) -> bool:
        return bool(git(self.path, "status", "--porcelain").strip())

    def snapshot(self, message: str) -> str:
        """Commit the current tree (even when unchanged) and return the checkpoint."""
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "--no-verify", "-m", message)
        return self.head()

    def tree_of(self, commit: str) -> str:
        return git(self.path, "rev-parse", f"{commit}^{{tree}}").strip()

    def tree_now(self) -> str:
        """The tree of the working files as they are now, without committing or touching the index."""
        with tempfile.TemporaryDirectory(prefix="codefit-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            git(self.path, "read-tree", "HEAD", env=env)
            git(self.path, "add", "-A", env=env)
            return git(self.path, "write-tree", env=env).strip()

    def diff(self, a: str, b: str) -> str:
        return git(self.path, "diff", "--no-color", "--no-ext-diff", a, b)

    def changed_files(self, a: str, b: str) -> list[str]:
        out = git(self.path, "diff", "--name-only", "-z", "--no-renames", a, b)
        return [p for p in out.split("\0") if p]

    def show(self, commit: str, path: str) -> str | None:
        """A file's text at a checkpoint, or None where it does not exist there."""
        if not git(self.path, "ls-tree", "--name-only", commit, "--", path, check=False).strip():
            return None
        data = git_bytes(self.path, "show", f"{commit}:{path}", check=False)
        return data.decode("utf-8", errors="replace")

    def files(self, commit: str) -> list[str]:
        out = git(self.path, "ls-tree", "-r", "-z", "--name-only", commit)
        return [p for p in out.split("\0") if p]

    def rollback(self, commit: str) -> None:
        git(self.path, "reset", "-q", "--hard", commit)
        git(self.path, "clean", "-q", "-fd")

    def export_tree(self, commit: str, dest: Path) -> None:
        """Write the tree of `commit` into `dest` (a grading copy), without git metadata."""
        dest.mkdir(parents=True, exist_ok=True)
        extract_tar(git_bytes(self.path, "archive", "--format=tar", commit), dest)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def extract_tar(data: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="tar")


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


def _excluded_relatives(repo: Path, exclude: Sequence[Path]) -> list[str]:
    rels = list(ALWAYS_EXCLUDED)
    for path in exclude:
        resolved = path.resolve()
        if resolved == repo or repo in resolved.parents:
            rels.append(str(resolved.relative_to(repo)))
    return rels
