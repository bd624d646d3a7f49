"""`codefit tasks mine`: a benchmark from a repository's own history.

Every first-parent commit that changes source and tests together is a candidate task: the parent's
tree is the base, the commit message is the task, and the commit's new or changed test files are the
held-out split. A candidate is kept only when those tests fail on the base (with the new tests laid
over it) and pass on the commit, checked by running them. The rest of the suite stays visible. The
base is written as plain files: no history after (or before) it reaches a workspace.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from codefit.errors import ConfigError
from codefit.testfiles import is_test_file
from codefit.workspace.git import git, git_bytes

TEST_TIMEOUT_S = 300.0


@dataclass
class MineReport:
    kept: list[str] = field(default_factory=list)  # task names (short commit ids)
    dropped: dict[str, str] = field(default_factory=dict)  # commit -> reason

    def reasons(self) -> Counter[str]:
        return Counter(self.dropped.values())

    def lines(self) -> list[str]:
        total = len(self.kept) + len(self.dropped)
        out = [f"kept {len(self.kept)} of {total} commits"]
        out += [f"  dropped {n}: {reason}" for reason, n in self.reasons().most_common()]
        return out


def mine(
    repo: Path, out: Path, *, limit: int | None = None, since: str | None = None, python: str = sys.executable
) -> MineReport:
    if out.exists() and any(out.iterdir()):
        raise ConfigError("the output folder is not empty", where=str(out))
    out.mkdir(parents=True, exist_ok=True)
    revs = f"{since}..HEAD" if since else "HEAD"
    commits = git(repo, "rev-list", "--reverse", "--first-parent", revs).split()
    report = MineReport()
    for commit in commits:
        if limit is not None and len(report.kept) >= limit:
            break
        reason = _try(repo, commit, out, python)
        if reason:
            report.dropped[commit] = reason
        else:
            report.kept.append(commit[:12])
    _write_suite(out, report.kept, repo.name)
    return report


def _try(repo: Path, commit: str, out: Path, python: str) -> str | None:
    parents = git(repo, "rev-list", "--parents", "-n", "1", commit).split()[1:]
    if not parents:
        return "root commit (no base)"
    if len(parents) > 1:
        return "merge commit"
    parent = parents[0]
    changes = [
        line.split("\t")
        for line in git(repo, "diff", "--name-status", "--no-renames", parent, commit).splitlines()
    ]
    tests = sorted(path for status, path in changes if status in ("A", "M") and is_test_file(path))
    sources = [path for status, path in changes if path.endswith(".py") and not is_test_file(path)]
    if not tests:
        return "no test added or changed"
    if not sources:
        return "no source change"
    with tempfile.TemporaryDirectory(prefix="codefit-mine-") as tmp:
        base, head = Path(tmp) / "base", Path(tmp) / "head"
        _export(repo, parent, base)
        _export(repo, commit, head)
        visible_tests = {p: (base / p).read_bytes() if (base / p).exists() else None for p in tests}
        for path in tests:  # the new tests, laid over the base
            (base / path).parent.mkdir(parents=True, exist_ok=True)
            (base / path).write_bytes((head / path).read_bytes())
        on_base = _pytest(python, base, tests)
        if on_base == 0:
            return "held-out tests already pass on the base"
        if on_base in (4, 5):
            return "held-out tests do not collect on the base"
        if _pytest(python, head, tests) != 0:
            return "held-out tests fail on the commit"
        for path, original in visible_tests.items():  # the visible suite is the base's own
            if original is None:
                (base / path).unlink()
            else:
                (base / path).write_bytes(original)
        _write_task(
            out / commit[:12], base, head, tests, git(repo, "log", "-1", "--format=%B", commit).strip()
        )
    return None


def _export(repo: Path, rev: str, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(git_bytes(repo, "archive", "--format=tar", rev))) as tar:
        tar.extractall(dest, filter="tar")


def _pytest(python: str, tree: Path, tests: list[str]) -> int:
    try:
        proc = subprocess.run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *tests],
            cwd=tree,
            capture_output=True,
            timeout=TEST_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return -1
    return proc.returncode


def _write_task(dest: Path, base: Path, head: Path, tests: list[str], message: str) -> None:
    repo = dest / "repo"
    dest.mkdir(parents=True)
    shutil.move(base, repo)
    for path in tests:
        target = dest / "hidden" / "validation" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((head / path).read_bytes())
    (dest / "TASK.md").write_text(message + "\n", encoding="utf-8")
    visible = "tests" if (repo / "tests").is_dir() else "."
    config = {
        "task": message,
        "protected": ["tests/**", "**/test_*.py"],
        "max_steps": 5,
        "sensors": [
            {"name": "unit", "kind": "pytest", "args": [visible], "split": "train"},
            {
                "name": "mined",
                "kind": "pytest",
                "path": "../hidden/validation",
                "dest": ".",
                "args": tests,
                "split": "validation",
                "feedback": "verdict",
                "budget": 3,
            },
        ],
        "optimizer": {"kind": "search"},
    }
    (dest / "codefit.toml").write_text(tomli_w.dumps(config), encoding="utf-8")


def _write_suite(out: Path, kept: list[str], name: str) -> None:
    tasks = [
        {"name": task, "repo": f"{task}/repo", "hidden": f"{task}/hidden", "config": f"{task}/codefit.toml"}
        for task in kept
    ]
    (out / "suite.toml").write_text(
        tomli_w.dumps({"name": f"mined-{name}", "tasks": tasks}), encoding="utf-8"
    )
