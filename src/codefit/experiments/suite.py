"""Task suites: a folder of tasks with one manifest, `suite.toml`.

    name = "bundled"
    [[tasks]]
    name = "wrong_variable"
    repo = "wrong_variable/repo"        # the base tree as a folder ...
    # bundle = "t1/base.bundle"          # ... or a git bundle and the commit in it
    # ref = "3f2c..."
    hidden = "wrong_variable/hidden"    # held-out tests (validation/, test/), laid beside the repo
    # config = "t1/codefit.toml"         # the task's spec, when the base tree has none
    # checkpoints = [...]               # optional, read by the loop's checkpoint support

A task is prepared as `DEST/repo` (a fresh git repository with one commit: no history after the
base) and `DEST/hidden`, so a spec's `path = "../hidden/validation"` resolves the same everywhere.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefit.errors import ConfigError
from codefit.workspace.git import git


@dataclass(frozen=True)
class Task:
    name: str
    root: Path  # the suite folder every path is relative to
    repo: str | None = None
    bundle: str | None = None
    ref: str | None = None
    hidden: str | None = None
    config: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    root: Path
    tasks: tuple[Task, ...]

    def task(self, name: str) -> Task:
        for task in self.tasks:
            if task.name == name:
                return task
        raise ConfigError(f"suite {self.name!r} has no task {name!r}")


KNOWN = {"name", "repo", "bundle", "ref", "hidden", "config"}


def load_suite(path: Path) -> Suite:
    manifest = path / "suite.toml" if path.is_dir() else path
    if not manifest.is_file():
        raise ConfigError("no suite.toml here", where=str(path))
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(manifest)) from None
    root = manifest.parent.resolve()
    tasks = []
    for i, entry in enumerate(data.get("tasks", [])):
        where = f"{manifest}: tasks[{i}]"
        if "name" not in entry:
            raise ConfigError("a task needs a name", where=where)
        if bool(entry.get("repo")) == bool(entry.get("bundle")):
            raise ConfigError(
                "a task needs exactly one of `repo` (a folder) or `bundle` (+ `ref`)", where=where
            )
        if entry.get("bundle") and not entry.get("ref"):
            raise ConfigError("a bundled task needs the `ref` of its base commit", where=where)
        for key in ("repo", "bundle", "hidden", "config"):
            if entry.get(key) and not (root / entry[key]).exists():
                raise ConfigError(f"`{key}` {entry[key]!r} does not exist", where=where)
        tasks.append(
            Task(
                name=entry["name"],
                root=root,
                repo=entry.get("repo"),
                bundle=entry.get("bundle"),
                ref=entry.get("ref"),
                hidden=entry.get("hidden"),
                config=entry.get("config"),
                extra={k: v for k, v in entry.items() if k not in KNOWN},
            )
        )
    if not tasks:
        raise ConfigError("the suite lists no task", where=str(manifest))
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ConfigError("task names must be unique", where=str(manifest))
    return Suite(name=data.get("name", root.name), root=root, tasks=tuple(tasks))


def prepare_task(task: Task, dest: Path) -> Path:
    """Lay the task out under `dest` and return its repository (one commit, no later history)."""
    repo = dest / "repo"
    dest.mkdir(parents=True, exist_ok=True)
    if task.repo:
        shutil.copytree(task.root / task.repo, repo, ignore=shutil.ignore_patterns(".git", ".codefit"))
    else:
        assert task.bundle and task.ref
        git(dest, "clone", "-q", "--no-checkout", str(task.root / task.bundle), str(repo))
        git(repo, "checkout", "-q", "--detach", task.ref)
        shutil.rmtree(repo / ".git")  # no history after (or before) the base reaches the workspace
    if task.hidden:
        shutil.copytree(task.root / task.hidden, dest / "hidden")
    if task.config:
        shutil.copy2(task.root / task.config, repo / "codefit.toml")
    ignore = repo / ".gitignore"
    lines = ignore.read_text().splitlines() if ignore.exists() else []
    ignore.write_text(
        "\n".join([*lines, *[p for p in (".codefit/", "__pycache__/") if p not in lines]]) + "\n"
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"task {task.name}")
    return repo


PACKED = {"repo": "repo", "bundle": "base.bundle", "hidden": "hidden", "config": "codefit.toml"}


def pack_task(task: Task) -> bytes:
    """The task's files as one tar under fixed names (for a worker with no shared file system)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for key, name in PACKED.items():
            rel = getattr(task, key)
            if rel:
                tar.add(task.root / rel, arcname=name, filter=_no_caches)
    return buffer.getvalue()


def unpack_task(task: Task, data: bytes, root: Path) -> Task:
    """The task, its files unpacked under `root`."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(root, filter="tar")
    names = {key: (name if getattr(task, key) else None) for key, name in PACKED.items()}
    return Task(
        task.name,
        root,
        names["repo"],
        names["bundle"],
        task.ref,
        names["hidden"],
        names["config"],
        task.extra,
    )


def _no_caches(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    parts = Path(info.name).parts
    return None if {"__pycache__", ".codefit", ".git", ".pytest_cache"} & set(parts) else info
