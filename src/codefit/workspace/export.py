"""Handing results back: a branch in the user's repository, and a bundle of every checkpoint.

The branch is made with plumbing commands only, so the user's working tree, index and
current branch are never touched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from codefit.workspace.generated import untracked_declared
from codefit.workspace.git import GitDir, git
from codefit.workspace.workspace import ALWAYS_EXCLUDED, Workspace

CHECKPOINT_REF = "refs/codefit/checkpoint"


def export_branch(
    workspace: Workspace,
    checkpoint: str,
    repo: Path,
    base_commit: str,
    branch: str,
    restore: Sequence[str] = (),
) -> str:
    """Create `branch` in `repo`: the checkpoint's tree on top of the user's base commit.

    Paths in `restore` (files codefit itself changed, such as canaries) are taken from the base.
    """
    workspace.objects.run("update-ref", CHECKPOINT_REF, checkpoint)
    # From the workspace's git directory (outside the tree the optimizer wrote), nothing else.
    source = str(workspace.git_dir)
    git(repo, "fetch", "-q", "--no-tags", "--no-write-fetch-head", source, CHECKPOINT_REF)
    tree = workspace.tree_of(checkpoint)
    tree = _restore_excluded(repo, base_commit, tree, restore)
    tree = _without_generated(repo, base_commit, tree)
    message = (
        f"codefit: result of {branch.removeprefix('codefit/')}\n\nCheckpoint {checkpoint[:12]} of the run."
    )
    commit = git(repo, "commit-tree", tree, "-p", base_commit, "-m", message).strip()
    git(repo, "update-ref", f"refs/heads/{branch}", commit)
    return commit


def save_bundle(workspace: Workspace, dest: Path) -> Path:
    """Every checkpoint of the run in one file, so the run can be replayed after its workspace is gone."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    workspace.objects.run("bundle", "create", "-q", str(dest.resolve()), "--all")
    return dest


def _restore_excluded(repo: Path, base_commit: str, tree: str, restore: Sequence[str]) -> str:
    """Put back what was kept out of the workspace (`.codefit/`), as the user committed it."""
    paths = [*ALWAYS_EXCLUDED, *restore]
    entries = git(repo, "ls-tree", "-r", "--full-tree", base_commit, "--", *paths).strip()
    if not entries:
        return tree
    with tempfile.TemporaryDirectory(prefix="codefit-index-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        git(repo, "read-tree", tree, env=env)
        index_info = "\n".join(entries.splitlines()) + "\n"
        git(repo, "update-index", "--index-info", env=env, input_bytes=index_info.encode())
        return git(repo, "write-tree", env=env).strip()


def _without_generated(repo: Path, base_commit: str, tree: str) -> str:
    """Leave out the version modules the workspace carried (`codefit.workspace.generated`): the build
    writes them and git ignores them, so the user's branch never gains one."""
    user_git = Path(git(repo, "rev-parse", "--absolute-git-dir").strip())
    generated = untracked_declared(GitDir(user_git, repo), base_commit)
    if not generated:
        return tree
    with tempfile.TemporaryDirectory(prefix="codefit-index-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        git(repo, "read-tree", tree, env=env)
        git(repo, "update-index", "--force-remove", "--", *generated, env=env)
        return git(repo, "write-tree", env=env).strip()
