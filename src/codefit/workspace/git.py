"""Thin, typed calls to git, each failing with a WorkspaceError that names the repository."""

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


def repo_root(path: Path) -> Path:
    """The top of the git repository holding `path`, or a clear error."""
    path = path.resolve()
    if not path.exists():
        raise WorkspaceError("no such directory", where=str(path))
    proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True)
    if proc.returncode != 0:
        raise WorkspaceError(
            "not a git repository (codefit works on a git repository: run `git init` and commit)",
            where=str(path),
        )
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
