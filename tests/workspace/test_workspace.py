from __future__ import annotations

import os
from pathlib import Path

import pytest

from codefit.errors import WorkspaceError
from codefit.workspace.export import export_branch
from codefit.workspace.git import git, repo_root
from codefit.workspace.workspace import Workspace

from ..conftest import MakeRepo, run_git


def test_base_tree_has_no_user_history_no_store_and_no_heldout(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(
        {"calc.py": "x = 1\n", ".codefit/codefit.db": "db", "tests/test_calc.py": "", "secret/t.py": ""}
    )
    run_git(repo, "commit", "-q", "--allow-empty", "-m", "second commit with a tell-tale message")
    ws = Workspace.create(repo, tmp_path / "ws", exclude=[repo / "secret"])
    assert (ws.path / "calc.py").read_text() == "x = 1\n"
    assert not (ws.path / ".codefit").exists()
    assert not (ws.path / "secret").exists()
    log = ws.objects.run("log", "--all", "--format=%s")
    assert log.strip().startswith("codefit base") and "tell-tale" not in log
    assert ws.objects.run("rev-list", "--count", "--all").strip() == "1"
    assert not (ws.path / ".git").exists() and ws.git_dir == tmp_path / "ws.git"


def test_dirty_overlays_uncommitted_changes(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "old\n", "gone.py": "bye\n"})
    (repo / "a.py").write_text("new\n")
    (repo / "untracked.py").write_text("u\n")
    (repo / "gone.py").unlink()
    clean = Workspace.create(repo, tmp_path / "clean")
    dirty = Workspace.create(repo, tmp_path / "dirty", dirty=True)
    assert (clean.path / "a.py").read_text() == "old\n" and (clean.path / "gone.py").exists()
    assert (dirty.path / "a.py").read_text() == "new\n"
    assert (dirty.path / "untracked.py").exists() and not (dirty.path / "gone.py").exists()


def test_dirty_overlays_staged_changes_too(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "old\n", "gone.py": "bye\n", "moved.py": "m\n"})
    (repo / "a.py").write_text("staged\n")
    (repo / "new.py").write_text("added\n")
    git(repo, "add", "a.py", "new.py")
    git(repo, "rm", "-q", "gone.py")
    git(repo, "mv", "moved.py", "renamed.py")
    dirty = Workspace.create(repo, tmp_path / "dirty", dirty=True)
    assert (dirty.path / "a.py").read_text() == "staged\n"
    assert (dirty.path / "new.py").read_text() == "added\n"
    assert not (dirty.path / "gone.py").exists() and not (dirty.path / "moved.py").exists()
    assert (dirty.path / "renamed.py").read_text() == "m\n"


def test_snapshot_diff_and_rollback(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "one\n"})
    ws = Workspace.create(repo, tmp_path / "ws")
    base = ws.head()
    (ws.path / "a.py").write_text("two\n")
    (ws.path / "b.py").write_text("new\n")
    step1 = ws.snapshot("step 1")
    assert ws.changed_files(base, step1) == ["a.py", "b.py"]
    assert "+two" in ws.diff(base, step1)
    assert ws.show(base, "a.py") == "one\n" and ws.show(base, "b.py") is None
    (ws.path / "c.py").write_text("stray\n")
    ws.rollback(base)
    assert (ws.path / "a.py").read_text() == "one\n"
    assert not (ws.path / "b.py").exists() and not (ws.path / "c.py").exists()


def test_a_commits_files_are_listed_once_and_a_ref_afresh(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.create(make_repo({"a.py": "one\n", "pkg/b.py": "b\n"}), tmp_path / "ws")
    base = ws.base
    listed: list[str] = []
    run_bytes = type(ws.objects).run_bytes

    def counted(self: object, *args: str, **kwargs: object) -> bytes:
        listed.extend(a for a in args[:1] if a == "ls-tree")
        return run_bytes(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(ws.objects), "run_bytes", counted)
    assert ws.show(base, "a.py") == "one\n" and ws.show(base, "pkg") is None
    assert ws.files(base) == ["a.py", "pkg/b.py"] and ws.show(base, "gone.py") is None
    assert len(listed) == 1
    (ws.path / "a.py").write_text("two\n")
    ws.snapshot("step")
    assert ws.show("HEAD", "a.py") == "two\n" and ws.show(base, "a.py") == "one\n"
    assert ws.show("no-such-commit", "a.py") is None
    with pytest.raises(WorkspaceError):
        ws.files("no-such-commit")


def test_noise_files_never_enter_checkpoints(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws = Workspace.create(make_repo({"a.py": ""}), tmp_path / "ws")
    (ws.path / "__pycache__").mkdir()
    (ws.path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"x")
    assert not ws.has_changes()


def test_export_branch_leaves_worktree_index_and_current_branch_alone(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"a.py": "one\n", ".codefit/keep.txt": "store\n"})
    (repo / "a.py").write_text("user edit in progress\n")
    run_git(repo, "add", "a.py")
    (repo / "wip.txt").write_text("untracked\n")
    status_before = run_git(repo, "status", "--porcelain")
    ws = Workspace.create(repo, tmp_path / "ws")
    (ws.path / "a.py").write_text("fixed\n")
    checkpoint = ws.snapshot("fix")
    head = run_git(repo, "rev-parse", "HEAD").strip()
    export_branch(ws, checkpoint, repo, head, "codefit/test-run")
    assert run_git(repo, "status", "--porcelain") == status_before
    assert run_git(repo, "branch", "--show-current").strip() == "main"
    assert run_git(repo, "show", "codefit/test-run:a.py") == "fixed\n"
    assert run_git(repo, "show", "codefit/test-run:.codefit/keep.txt") == "store\n"
    assert run_git(repo, "rev-parse", "codefit/test-run^").strip() == head


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a git repository"):
        repo_root(tmp_path)


def test_a_repository_git_refuses_is_named_with_gits_reason(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("garbage\n")  # a `.git` file that points nowhere
    with pytest.raises(WorkspaceError, match=r"git cannot use this repository: .*invalid gitfile format"):
        repo_root(tmp_path)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_repository_of_another_user_says_so_not_that_there_is_none(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo = make_repo({"a.py": ""})
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))  # no safe.directory
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 65534, 65534)  # as a volume mounted into a container often is
    with pytest.raises(WorkspaceError, match="dubious ownership") as caught:
        repo_root(repo)
    assert "safe.directory" in str(caught.value)


def test_repository_without_commits(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": ""}, commit=False)
    with pytest.raises(WorkspaceError, match="no commit yet"):
        Workspace.create(repo, tmp_path / "ws")
