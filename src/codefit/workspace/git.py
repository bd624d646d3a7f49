"""Thin, typed calls to git, each failing with a WorkspaceError that names the repository.

`git` runs in the user's own repository, whose configuration is the user's. `GitDir` runs git on
a codefit workspace, whose work tree the optimizer and the code under test could write: its git
directory lives outside that tree, and every call disables what could run a program or read
configuration from elsewhere (hooks, fsmonitor, system and global config, in-tree attributes that
name filters or diff drivers, external diff, textconv, pagers, submodule recursion, auto gc).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from codefit.errors import WorkspaceError

# Commits made by codefit carry a fixed identity so that no user configuration is needed.
IDENTITY = {
    "GIT_AUTHOR_NAME": "codefit",
    "GIT_AUTHOR_EMAIL": "codefit@localhost",
    "GIT_COMMITTER_NAME": "codefit",
    "GIT_COMMITTER_EMAIL": "codefit@localhost",
}


def git(
    repo: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input_bytes: bytes | None = None,
    check: bool = True,
) -> str:
    return git_bytes(repo, *args, env=env, input_bytes=input_bytes, check=check).decode(
        "utf-8", errors="replace"
    )


def git_bytes(
    repo: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input_bytes: bytes | None = None,
    check: bool = True,
) -> bytes:
    full_env = {**os.environ, **IDENTITY, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    full_env.pop("GIT_DIR", None)
    full_env.pop("GIT_WORK_TREE", None)
    proc = subprocess.run(
        ["git", "-c", "core.quotepath=off", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=full_env,
        input=input_bytes,
        capture_output=True,
    )
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise WorkspaceError(
            f"git {' '.join(args[:2])} failed: {detail[-1] if detail else proc.returncode}",
            where=str(repo),
        )
    return proc.stdout


# `-c` settings that win over any file git reads; what each could otherwise run is named.
HARDENED_CONFIG = (
    "core.hooksPath=/dev/null",  # hooks
    "core.fsmonitor=false",  # a program run on status/add
    "core.untrackedCache=false",
    "core.attributesFile=/dev/null",
    "core.excludesFile=/dev/null",  # ~/.config/git/ignore is the user's, not the tree's
    "core.pager=cat",
    "core.editor=false",
    "core.sshCommand=false",
    "core.askPass=false",
    "core.autocrlf=false",
    "core.symlinks=true",
    "core.quotepath=off",
    "commit.gpgsign=false",
    "tag.gpgsign=false",
    "diff.external=",
    "diff.ignoreSubmodules=all",
    "status.submoduleSummary=false",
    "submodule.recurse=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "protocol.allow=never",
    "protocol.file.allow=always",  # bundles and the workspace itself, nothing remote
    "safe.directory=*",
)


class GitDir:
    """git on a codefit workspace: `--git-dir` and `--work-tree` always given, never discovered."""

    def __init__(self, git_dir: Path, work_tree: Path) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree

    def argv(self, *args: str) -> list[str]:
        config = [part for setting in HARDENED_CONFIG for part in ("-c", setting)]
        return ["git", f"--git-dir={self.git_dir}", f"--work-tree={self.work_tree}", *config, *args]

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment minus every GIT_* setting, with system and global config off."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(IDENTITY)
        env.update(
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL="/dev/null",
            GIT_ATTR_NOSYSTEM="1",
            GIT_TERMINAL_PROMPT="0",
            GIT_OPTIONAL_LOCKS="0",
            GIT_NO_REPLACE_OBJECTS="1",
            GIT_PROTOCOL_FROM_USER="0",
        )
        env.update(extra or {})
        return env

    def run_bytes(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input_bytes: bytes | None = None,
        check: bool = True,
    ) -> bytes:
        proc = subprocess.run(
            self.argv(*args),
            cwd=self.git_dir,  # never the work tree: nothing there is read as configuration
            env=self.env(env),
            input=input_bytes,
            capture_output=True,
        )
        if check and proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise WorkspaceError(
                f"git {' '.join(args[:2])} failed: {detail[-1] if detail else proc.returncode}",
                where=str(self.work_tree),
            )
        return proc.stdout

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input_bytes: bytes | None = None,
        check: bool = True,
    ) -> str:
        out = self.run_bytes(*args, env=env, input_bytes=input_bytes, check=check)
        return out.decode("utf-8", errors="replace")


def repo_root(path: Path) -> Path:
    """The top of the git repository holding `path`, or a clear error."""
    path = path.resolve()
    if not path.exists():
        raise WorkspaceError("no such directory", where=str(path))
    proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True)
    if proc.returncode != 0:
        refusal = proc.stderr.strip().removeprefix("fatal: ")
        if "not a git repository (or any" in refusal or not refusal:
            raise WorkspaceError(
                "not a git repository (codefit works on a git repository: run `git init` and commit)",
                where=str(path),
            )
        # A repository git refuses (owned by another user, a broken `.git`): git's words say why.
        raise WorkspaceError(f"git cannot use this repository: {refusal}", where=str(path))
    return Path(proc.stdout.strip()).resolve()


def head_commit(repo: Path) -> str:
    out = git(repo, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).strip()
    if not out:
        raise WorkspaceError("the repository has no commit yet; commit your code first", where=str(repo))
    return out


def null_separated(output: str) -> list[str]:
    return [p for p in output.split("\0") if p]


def ls_files(repo: Path, *args: str) -> list[str]:
    return null_separated(git(repo, "ls-files", "-z", *args))


def paths_args(paths: Sequence[str]) -> list[str]:
    return ["--", *paths] if paths else []
