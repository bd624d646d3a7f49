"""The trees `codefit check` judges: base's tree, head's laid over it, the spec and sealed files out,
in the workspace the guards read and in the repository's own trees the splits are graded on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from codefit.gate.check import _workspace, from_base

IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}
CONFIG = (
    'task = "t"\nwritable = ["pkg/**"]\nprotected = ["tests/**"]\n\n'
    '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
    '[[sensors]]\nname = "blind"\nkind = "pytest"\nsealed = ".codefit-sealed/x.sealed"\n'
    'split = "validation"\n'
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env={**os.environ, **IDENTITY}
    )
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_base_and_head_hold_the_code_and_tests_only_and_differ_by_the_change(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(
        repo,
        {
            "codefit.toml": CONFIG,
            ".codefit-sealed/x.sealed": "ciphertext",
            "pkg/__init__.py": "",
            "pkg/area.py": "def area(x):\n    return 0\n",
            "pkg/same.py": "KEEP = 1\n",
            "tests/test_area.py": "def test_area():\n    pass\n",
        },
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    write(
        repo,
        {
            "codefit.toml": CONFIG.replace('protected = ["tests/**"]', "protected = []"),
            ".codefit-sealed/x.sealed": "forged",
            "pkg/area.py": "def area(x):\n    return x * x\n",
            "pkg/new.py": "NEW = 2\n",
        },
    )
    (repo / "pkg" / "same.py").chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pr")
    base, head = git(repo, "rev-parse", "main").strip(), git(repo, "rev-parse", "pr^{tree}").strip()
    work = tmp_path / "work"
    work.mkdir()

    _plan, source = from_base(repo.resolve(), base, "codefit.toml", work)
    workspace = _workspace(source, head, work)

    code = ["pkg/__init__.py", "pkg/area.py", "pkg/same.py", "tests/test_area.py"]
    assert sorted(workspace.files(workspace.base)) == sorted(source.files(base)) == code
    assert (
        sorted(workspace.files(workspace.head()))
        == sorted(source.files(head))
        == sorted([*code, "pkg/new.py"])
    )
    assert source.show(head, "pkg/area.py") == "def area(x):\n    return x * x\n"
    assert source.show(base, "codefit.toml") is None
    assert source.show(head, ".codefit-sealed/x.sealed") is None
    assert sorted(workspace.changed_files(workspace.base, workspace.head())) == [
        "pkg/area.py",
        "pkg/new.py",
        "pkg/same.py",
    ]
    assert workspace.show(workspace.head(), "pkg/area.py") == "def area(x):\n    return x * x\n"
    assert sorted(p.name for p in workspace.path.iterdir()) == ["pkg", "tests"]
    assert (workspace.path / "pkg" / "area.py").read_text() == "def area(x):\n    return x * x\n"
    assert os.access(workspace.path / "pkg" / "same.py", os.X_OK)  # the mode change is head's


def test_a_sealed_file_below_the_top_is_in_no_tree_the_check_reads_or_runs(tmp_path: Path) -> None:
    """A split sealed at `ci/held/x.sealed` (a path below the top): out of the workspace's base and
    head (else the guards see it added by the change) and out of the export the train split runs."""
    config = CONFIG.replace(".codefit-sealed/x.sealed", "ci/held/x.sealed")
    repo = tmp_path / "repo"
    files = {"codefit.toml": config, "ci/held/x.sealed": "ciphertext", "ci/run.sh": "pytest\n"}
    write(repo, {**files, "pkg/area.py": "A = 1\n", "tests/test_area.py": ""})
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, {"pkg/area.py": "A = 2\n"})
    git(repo, "commit", "-qam", "pr")
    base, head = git(repo, "rev-parse", "main~1").strip(), git(repo, "rev-parse", "main^{tree}").strip()
    work = tmp_path / "work"
    work.mkdir()

    _plan, source = from_base(repo.resolve(), base, "codefit.toml", work)
    workspace = _workspace(source, head, work)
    source.export_tree(head, work / "train")

    kept = ["ci/run.sh", "pkg/area.py", "tests/test_area.py"]
    assert sorted(workspace.files(workspace.base)) == sorted(source.files(base)) == kept
    assert source.show(base, "ci/held/x.sealed") is None
    assert sorted(workspace.files(workspace.head())) == kept
    assert workspace.changed_files(workspace.base, workspace.head()) == ["pkg/area.py"]
    exported = [p.relative_to(work / "train").as_posix() for p in (work / "train").rglob("*")]
    assert sorted(p for p in exported if (work / "train" / p).is_file()) == kept
