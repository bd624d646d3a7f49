"""Where a grading reads its trees: a workspace's checkpoints, or a repository's own commits.

Grading needs four things of the trees it judges: the files of the base and of the candidate, a
base file's text, and the candidate written into a throw-away copy. A `Workspace` answers them from
its checkpoints; `RepositoryTrees` answers them from the user's repository directly, with the
harness's own files and the held-out paths left out as a workspace leaves them out, so a gate can
grade a commit at once, without first copying the repository into a workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from codefit.workspace import trees
from codefit.workspace.generated import carried_at, write_carried
from codefit.workspace.git import GitDir, git
from codefit.workspace.workspace import excluded_relatives, remove_excluded


class TreeSource(Protocol):
    """The read side of a workspace that grading uses."""

    @property
    def base(self) -> str: ...

    def listing(self, commit: str) -> dict[str, trees.Entry]: ...

    @property
    def objects(self) -> GitDir: ...

    def show(self, commit: str, path: str) -> str | None: ...

    def read(self, commit: str, path: str) -> bytes | None: ...

    def files(self, commit: str) -> list[str]: ...

    def export_tree(self, commit: str, dest: Path) -> None: ...


class RepositoryTrees:
    """The trees of `repo`'s commits (or trees) as a workspace built from them would hold them:
    without the harness's files and without `exclude` (held-out paths inside the repository).
    Files are raw blobs: no attribute or filter of the repository changes what is read."""

    def __init__(self, repo: Path, base: str, exclude: Sequence[Path] = ()) -> None:
        self.repo, self._base, self._exclude = repo, base, tuple(exclude)
        self.objects = GitDir(Path(git(repo, "rev-parse", "--absolute-git-dir").strip()), repo)
        self._left_out = tuple(excluded_relatives(repo, exclude))
        self._carried = carried_at(self.objects, repo, base)  # version modules the build writes

    @property
    def base(self) -> str:
        return self._base

    @property
    def excluded(self) -> tuple[Path, ...]:
        """The held-out paths inside the repository that no tree read here holds."""
        return self._exclude

    def listing(self, commit: str) -> dict[str, trees.Entry]:
        return {e.path: e for e in trees.entries(self.objects, commit) if not self._is_left_out(e.path)}

    def show(self, commit: str, path: str) -> str | None:
        data = self.read(commit, path)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read(self, commit: str, path: str) -> bytes | None:
        entry = self.listing(commit).get(path)
        if entry is None or entry.mode == trees.GITLINK:
            return None
        return self.objects.run_bytes("cat-file", "blob", entry.sha)

    def files(self, commit: str) -> list[str]:
        return list(self.listing(commit))

    def export_tree(self, commit: str, dest: Path) -> None:
        trees.write_tree(self.objects, commit, dest)
        remove_excluded(dest, self.repo, self._exclude)
        write_carried(self._carried, dest)

    def _is_left_out(self, rel: str) -> bool:
        return any(rel == out or rel.startswith(out + "/") for out in self._left_out)
