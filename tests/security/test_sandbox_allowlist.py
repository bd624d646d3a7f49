"""Hide by default, show by need: the sandbox shows an allow-list, never the whole file system."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.optimizers.base import StepStatus
from codefit.optimizers.command import CommandOptimizer, CommandOptimizerOptions
from codefit.workspace.sandbox import SandboxSpec, toolchain_paths, wrap_command
from codefit.workspace.sandbox_user import sandbox_identity
from tests.conftest import MakeRepo, bare_step_state, needs_bwrap, run_git

PROBE = """\
import json, os, sys
seen = {}
for path in sys.argv[1:]:
    try:
        seen[path] = sorted(os.listdir(path)) if os.path.isdir(path) else open(path).read()
    except OSError:
        pass
print(json.dumps(seen))
"""


def _seen(spec: SandboxSpec, *paths: Path) -> dict[str, object]:
    argv = wrap_command([sys.executable, "-c", PROBE, *map(str, paths)], spec)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen: dict[str, object] = json.loads(done.stdout)
    return seen


def _machine(root: Path) -> dict[str, Path]:
    """A home with a key, another checkout, and held-out tests inside a git repository."""
    home = root / "home" / "u"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY")
    other = home / "other"
    other.mkdir()
    run_git(other, "init", "-q")
    (other / "notes.txt").write_text("other checkout")
    tests = home / "proj-tests"
    (tests / "hidden").mkdir(parents=True)
    (tests / "hidden" / "test_secret.py").write_text("def test_x():\n    assert 42\n")
    (tests / "README").write_text("answers: 42")
    run_git(tests, "init", "-q")
    run_git(tests, "add", ".")
    run_git(tests, "commit", "-q", "-m", "held-out tests")
    return {
        "key": home / ".ssh" / "id_ed25519",
        "other": other / "notes.txt",
        "other_git": other / ".git",
        "heldout": tests / "hidden" / "test_secret.py",
        "heldout_git": tests / ".git",
        "heldout_sibling": tests / "README",
        "home": home,
    }


@needs_bwrap
def test_home_other_checkouts_and_heldout_repositories_are_not_visible(
    tmp_path: Path, outside_tmp: Path
) -> None:
    paths = _machine(outside_tmp)
    (tmp_path / "ws").mkdir()
    spec = SandboxSpec(workspace=tmp_path / "ws", hidden=(paths["heldout"].parent,))
    # Before: `--ro-bind / /` hid only the held-out folder; everything else here was readable.
    assert _seen(spec, *paths.values()) == {}


@needs_bwrap
def test_a_shown_folder_never_brings_back_a_heldout_repository(tmp_path: Path, outside_tmp: Path) -> None:
    paths = _machine(outside_tmp)
    (tmp_path / "ws").mkdir()
    # The user shows their whole home (`sandbox_ro`): the git repository holding held-out tests stays
    # hidden, its history and its other files too, not only the held-out folder.
    spec = SandboxSpec(
        workspace=tmp_path / "ws", extra_ro=(paths["home"],), hidden=(paths["heldout"].parent,)
    )
    seen = _seen(spec, *paths.values())
    assert seen[str(paths["other"])] == "other checkout"  # shown, as asked
    for name in ("heldout", "heldout_git", "heldout_sibling"):
        assert not seen.get(str(paths[name])), name


@needs_bwrap
def test_only_the_way_to_shown_paths_is_visible_in_home_folders(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    tops = [Path("/root"), Path("/home"), Path.home()]
    seen = _seen(SandboxSpec(workspace=tmp_path / "ws"), *tops)
    shown = toolchain_paths()
    for top, entries in seen.items():
        assert isinstance(entries, list)
        for entry in entries:
            path = Path(top) / entry
            assert any(path == s or path in s.parents for s in shown), f"{path} is visible"


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0 or sandbox_identity() is None, reason="runs as root only")
def test_files_the_sandbox_user_writes_stay_codefits_to_read_remove_and_commit(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    (ws / "pkg" / "a.py").write_text("A = 1\n")
    run_git(ws, "init", "-q")
    run_git(ws, "add", ".")
    run_git(ws, "commit", "-q", "-m", "base")
    script = (
        "import os, pathlib\n"
        "print(os.getuid())\n"
        "pathlib.Path('pkg/a.py').write_text('A = 2\\n')\n"
        "pathlib.Path('new/deep').mkdir(parents=True)\n"
        "pathlib.Path('new/deep/b.py').write_text('B = 1\\n')\n"
        "for attempt in (lambda: open('.git/config', 'a'), lambda: os.rename('.git', 'moved')):\n"
        "    try:\n"
        "        attempt()\n"
        "        print('git writable')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    done = subprocess.run(
        wrap_command([sys.executable, "-c", script], SandboxSpec(workspace=ws)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(sandbox_identity().uid)]  # type: ignore[union-attr]
    # codefit (root, outside) reads and commits what was written; git sees no dubious ownership.
    assert "new/" in run_git(ws, "status", "--porcelain")
    run_git(ws, "add", "-A")
    run_git(ws, "commit", "-q", "-m", "step")
    assert (ws / "new" / "deep" / "b.py").read_text() == "B = 1\n"
    shutil.rmtree(ws)
    assert not ws.exists()


@needs_bwrap
def test_the_command_optimizer_sees_its_task_and_feedback_files_not_the_run_folder(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    # The run folder holds the workspace's git directory and other runs' files: only the two files
    # the command is given are shown.
    run_dir = tmp_path / "run"
    (run_dir / "git").mkdir(parents=True)
    (run_dir / "git" / "HEAD").write_text("ref: refs/heads/main\n")
    (run_dir / "task.md").write_text("the task")
    (run_dir / "feedback-1.md").write_text("the feedback")
    repo = make_repo({"a.py": "x = 1\n"})
    command = f"ls {run_dir} > seen.txt"
    state = bare_step_state(repo, run_dir)
    result = CommandOptimizer(CommandOptimizerOptions(command=command)).step(state)
    assert result.status == StepStatus.EDITED, result.error
    assert (repo / "seen.txt").read_text().split() == ["feedback-1.md", "task.md"]
