"""What an optimizer changed, and which files it has, asked by the folder it worked in.

In a codefit workspace the answer comes through the workspace's own git directory (beside the
folder, see `Workspace`); git is never pointed at a `.git` inside the folder, which the optimizer
could have written. A plain repository (an optimizer tried alone on a user's checkout) is asked
as it is.
"""

from __future__ import annotations

from pathlib import Path

from codefit.workspace.git import git, ls_files, null_separated
from codefit.workspace.workspace import Workspace, git_dir_of


def is_workspace(folder: Path) -> bool:
    return (git_dir_of(folder) / "HEAD").is_file()


def changed_paths(folder: Path) -> list[str]:
    """Paths whose content differs from the last checkpoint (or, in a plain repository, HEAD)."""
    if is_workspace(folder):
        return Workspace(folder).changed_now()
    out = git(folder, "status", "--porcelain", "-z", "--untracked-files=all", check=False)
    return [entry[3:] for entry in null_separated(out) if len(entry) > 3]


def tracked_files(folder: Path) -> list[str]:
    """The files of the last checkpoint (or, in a plain repository, of its index)."""
    return Workspace(folder).files("HEAD") if is_workspace(folder) else ls_files(folder)


def visible_files(folder: Path) -> list[str]:
    """The files a snapshot would take: tracked ones and untracked ones not ignored."""
    if is_workspace(folder):
        return Workspace(folder).listed_files()
    return ls_files(folder, "--cached", "--others", "--exclude-standard")
