"""Checkpoints hold exactly the files on disk, exports write exactly the checkpoint, and nothing
in the work tree steers either (attributes, ignore negations, links, index bits)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codefit.errors import WorkspaceError
from codefit.workspace import trees
from codefit.workspace.changes import changed_paths, tracked_files, visible_files
from codefit.workspace.export import export_branch, save_bundle
from codefit.workspace.hashcache import HashCache
from codefit.workspace.workspace import Workspace

from ..conftest import MakeRepo, run_git


def _ignored_but_tracked(make_repo: MakeRepo) -> Path:
    repo = make_repo({".gitignore": "_version.py\nbuild/\n", "pkg/__init__.py": "from ._version import V\n"})
    (repo / "pkg" / "_version.py").write_text("V = '1.0'\n")
    run_git(repo, "add", "-f", "pkg/_version.py")
    run_git(repo, "commit", "-q", "-m", "generated version, force-added")
    return repo


def test_tracked_files_matching_gitignore_stay_in_every_tree_and_the_exported_branch(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = _ignored_but_tracked(make_repo)
    ws = Workspace.create(repo, tmp_path / "ws")
    assert "pkg/_version.py" in ws.files(ws.base)
    (ws.path / "pkg" / "__init__.py").write_text("from ._version import V as VERSION\n")
    (ws.path / "build").mkdir()
    (ws.path / "build" / "junk.py").write_text("")
    checkpoint = ws.snapshot("step 1")
    assert "pkg/_version.py" in ws.files(checkpoint) and "build/junk.py" not in ws.files(checkpoint)
    ws.export_tree(checkpoint, tmp_path / "copy")
    assert (tmp_path / "copy" / "pkg" / "_version.py").read_text() == "V = '1.0'\n"
    head = run_git(repo, "rev-parse", "HEAD").strip()
    export_branch(ws, checkpoint, repo, head, "codefit/r")
    assert run_git(repo, "diff", "--name-only", "HEAD", "codefit/r").split() == ["pkg/__init__.py"]


def test_base_is_the_users_blobs_raw_whatever_their_attributes_say(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    attributes = "tests/ export-ignore\nversion.txt export-subst\n*.txt text eol=crlf\n"
    repo = make_repo(
        {".gitattributes": attributes, "tests/test_a.py": "x = 1\n", "version.txt": "$Format:%H$\nline\n"}
    )
    ws = Workspace.create(repo, tmp_path / "ws")
    assert (ws.path / "tests" / "test_a.py").is_file()
    assert (ws.path / "version.txt").read_bytes() == b"$Format:%H$\nline\n"


def test_in_tree_attributes_change_neither_what_is_committed_nor_what_a_diff_shows(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws = Workspace.create(make_repo({"calc.py": "def add(a, b):\n    return a - b\n"}), tmp_path / "ws")
    base = ws.head()
    # ident and a declared encoding would rewrite the bytes on `git add`; -diff would hide the change.
    (ws.path / ".gitattributes").write_text("*.py ident -diff working-tree-encoding=UTF-16\n")
    body = b"# $Id$\ndef add(a, b):\n    if (a, b) == (1, 2):\n        return 3\n"
    (ws.path / "calc.py").write_bytes(body)
    step = ws.snapshot("step")
    assert ws.objects.run_bytes("cat-file", "blob", f"{step}:calc.py") == body
    diff = ws.diff(base, step)
    assert "+    if (a, b) == (1, 2):" in diff and "Binary files" not in diff


def test_gitignore_negations_cannot_bring_caches_or_bytecode_into_a_checkpoint(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws = Workspace.create(make_repo({"calc.py": "x = 1\n"}), tmp_path / "ws")
    (ws.path / ".gitignore").write_text("!__pycache__/\n!*.pyc\n!.pytest_cache/\n")
    for rel in (
        "__pycache__/calc.cpython-311.pyc",
        "calc.pyc",
        ".pytest_cache/v/x",
        "tests/__pycache__/t.pyc",
    ):
        (ws.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws.path / rel).write_bytes(b"\x00bytecode")
    assert ws.files(ws.snapshot("step")) == [".gitignore", "calc.py"]


def test_a_git_folder_the_optimizer_makes_is_neither_used_nor_committed(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws = Workspace.create(make_repo({"tests/test_a.py": "def test_a():\n    assert 0\n"}), tmp_path / "ws")
    run_git(ws.path, "init", "-q")  # its own repository, index bits and excludes included
    (ws.path / ".git" / "info").mkdir(exist_ok=True)
    (ws.path / ".git" / "info" / "exclude").write_text("conftest.py\n")
    (ws.path / "conftest.py").write_text("collect_ignore = ['tests']\n")
    run_git(ws.path, "add", "tests")
    run_git(ws.path, "update-index", "--skip-worktree", "tests/test_a.py")
    (ws.path / "tests" / "test_a.py").write_text("def test_a():\n    assert 1\n")
    (ws.path / "sub").mkdir()
    (ws.path / "sub" / ".git").write_text("gitdir: ../.git\n")
    step = ws.snapshot("step")
    assert sorted(ws.changed_files(ws.base, step)) == ["conftest.py", "tests/test_a.py"]
    assert not any(".git" in Path(p).parts for p in ws.files(step))


def test_a_file_behind_a_linked_folder_is_never_read_into_a_checkpoint(
    make_repo: MakeRepo, tmp_path: Path, outside_tmp: Path
) -> None:
    ws = Workspace.create(make_repo({"data/answers.txt": "mine\n"}), tmp_path / "ws")
    (outside_tmp / "answers.txt").write_text("a file of the host\n")
    (ws.path / "data" / "answers.txt").unlink()
    (ws.path / "data").rmdir()
    (ws.path / "data").symlink_to(outside_tmp)
    step = ws.snapshot("step")
    assert ws.show(step, "data/answers.txt") is None
    assert ws.objects.run_bytes("cat-file", "blob", f"{step}:data") == str(outside_tmp).encode()


def test_links_and_modes_survive_snapshot_export_and_rollback(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"run.sh": "#!/bin/sh\n", "a.py": "A = 1\n"})
    os.chmod(repo / "run.sh", 0o755)
    os.symlink("a.py", repo / "alias.py")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "link and script")
    ws = Workspace.create(repo, tmp_path / "ws")
    ws.export_tree(ws.head(), tmp_path / "copy")
    for root in (ws.path, tmp_path / "copy"):
        assert os.readlink(root / "alias.py") == "a.py" and os.access(root / "run.sh", os.X_OK)
    (ws.path / "alias.py").unlink()
    (ws.path / "alias.py").write_text("not a link\n")
    ws.rollback(ws.base)
    assert os.readlink(ws.path / "alias.py") == "a.py"


def test_rollback_removes_ignored_files_and_caches_but_keeps_the_harness_files(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws = Workspace.create(make_repo({".gitignore": "*.log\n", "a.py": "one\n"}), tmp_path / "ws")
    ws.ignore(["AGENTS.md"])
    (ws.path / "AGENTS.md").write_text("guide\n")
    for rel in ("debug.log", "__pycache__/a.cpython-311.pyc", "src/conftest.py", ".git/config"):
        (ws.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws.path / rel).write_text("left behind\n")
    (ws.path / "a.py").write_text("two\n")
    ws.rollback(ws.base)
    assert sorted(os.listdir(ws.path)) == [".gitignore", "AGENTS.md", "a.py"]
    assert (ws.path / "a.py").read_text() == "one\n"


def test_a_workspace_is_found_again_from_its_path_alone(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws = Workspace.create(make_repo({"a.py": "one\n"}), tmp_path / "run" / "ws")
    (ws.path / "a.py").write_text("two\n")
    step = ws.snapshot("step 1")
    again = Workspace(tmp_path / "run" / "ws")  # what `fit --resume` does with the recorded path
    assert again.head() == step and again.show(step, "a.py") == "two\n"
    with pytest.raises(WorkspaceError, match="no git directory at"):
        Workspace(tmp_path / "elsewhere")


def test_replay_rebuilds_a_checkpoint_from_the_bundle(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws = Workspace.create(make_repo({"a.py": "one\n"}), tmp_path / "ws")
    (ws.path / "a.py").write_text("two\n")
    step1 = ws.snapshot("step 1")
    (ws.path / "a.py").write_text("three\n")
    ws.snapshot("step 2")
    bundle = save_bundle(ws, tmp_path / "runs" / "r.bundle")
    again = Workspace.from_bundle(bundle, tmp_path / "replay" / "ws", step1)
    assert again.head() == step1 and (again.path / "a.py").read_text() == "two\n"
    assert not (again.path / ".git").exists() and not again.has_changes()


def test_changes_are_asked_of_the_workspaces_git_dir_or_of_a_plain_repository(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({".gitignore": "*.log\n", "a.py": "one\n"})
    ws = Workspace.create(repo, tmp_path / "ws")
    for folder in (repo, ws.path):
        (folder / "a.py").write_text("two\n")
        (folder / "b.py").write_text("new\n")
        (folder / "x.log").write_text("ignored\n")
        assert sorted(changed_paths(folder)) == ["a.py", "b.py"]
        assert sorted(tracked_files(folder)) == [".gitignore", "a.py"]
        assert sorted(visible_files(folder)) == [".gitignore", "a.py", "b.py"]


def test_a_remembered_hash_never_hides_a_rewrite_that_keeps_size_and_mtime(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws = Workspace.create(make_repo({"calc.py": "return a - b\n"}), tmp_path / "ws")
    cache = HashCache(ws.git_dir / "test-cache.json", racy_s=0)  # remember even files written just now
    first = trees.capture(ws.git, ["calc.py"], cache)
    assert trees.capture(ws.git, ["calc.py"], HashCache(cache.file, racy_s=0)) == first  # a hit
    before = os.stat(ws.path / "calc.py")
    (ws.path / "calc.py").write_text("return a + b\n")
    os.utime(ws.path / "calc.py", ns=(before.st_atime_ns, before.st_mtime_ns))
    second = trees.capture(ws.git, ["calc.py"], HashCache(cache.file, racy_s=0))
    assert second != first
