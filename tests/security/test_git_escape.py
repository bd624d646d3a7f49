"""Host-side git never runs code the optimizer planted: through a real `codefit fit`, a command
optimizer plants every git code path it can think of in its workspace (hooks, fsmonitor, hooksPath,
filter and diff drivers, an embedded repository with its own hooks and a gitfile pointing at it), and
none of it runs on the host when codefit snapshots, diffs, rolls back and exports."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from codefit.api import Codebase
from codefit.workspace import sandbox_user
from tests.conftest import needs_bwrap, run_git
from tests.e2e.project import KEEP_BLOCKS, codefit, make_project

pytestmark = [pytest.mark.slow, needs_bwrap]


def _planter(drop: Path) -> str:
    """A shell script that plants each vector; each, if it ever runs, touches drop/<vector>."""

    def mark(name: str, then: str = "true") -> str:
        return shlex.quote(f"touch {drop / name}; {then}")

    hook = "printf '#!/bin/sh\\ntouch {}\\ncat >/dev/null 2>&1 || true\\n' > {} && chmod +x {}"
    lines = ["set +e", "G=.git", "[ -d $G ] || git init -q . 2>/dev/null || mkdir -p $G/hooks"]
    lines.append("mkdir -p $G/hooks evil/hooks")
    for name in ("post-commit", "pre-commit", "reference-transaction", "post-checkout", "post-index-change"):
        lines.append(hook.format(drop / name, f"$G/hooks/{name}", f"$G/hooks/{name}"))
    for name in ("post-commit", "reference-transaction"):
        lines.append(hook.format(drop / "hookspath", f"evil/hooks/{name}", f"evil/hooks/{name}"))
    config = {
        "core.fsmonitor": mark("fsmonitor"),
        "core.hooksPath": "$PWD/evil/hooks",
        "filter.x.clean": mark("filter", "cat"),
        "filter.x.smudge": mark("filter", "cat"),
        "diff.x.textconv": mark("textconv", 'cat "$1"'),
        "diff.external": mark("external-diff"),
    }
    for key, value in config.items():
        lines.append(f"git config --file $G/config {key} {value}")
    lines.append("printf '* filter=x diff=x\\n' > .gitattributes")
    # An embedded repository with its own fsmonitor and hooks.
    lines.append("mkdir -p nested && git init -q nested")
    lines.append(f"git -C nested config core.fsmonitor {mark('nested-fsmonitor')}")
    for name in ("post-commit", "reference-transaction", "post-checkout"):
        lines.append(
            hook.format(drop / "nested-hook", f"nested/.git/hooks/{name}", f"nested/.git/hooks/{name}")
        )
    lines.append("echo x > nested/inner.py && git -C nested add -A")
    lines.append("git -C nested -c user.name=a -c user.email=b commit -q --no-verify -m n")
    # A gitfile in a subfolder pointing at a repository the attacker controls.
    lines.append("mkdir -p sub && echo 'gitdir: ../nested/.git' > sub/.git && echo y > sub/f.py")
    lines.append("sed -i 's/a - b/a + b/' calc.py")
    return "\n".join(lines) + "\n"


def test_planted_git_code_never_runs_on_the_host(
    tmp_path: Path, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    # As for a user who is not root: the sandbox runs as that user, who owns the whole workspace.
    monkeypatch.setattr(sandbox_user, "sandbox_identity", lambda: None)
    drop = outside_tmp / "drop"
    drop.mkdir()
    script = outside_tmp / "plant.sh"
    script.write_text("#!/bin/sh\n" + _planter(drop))
    script.chmod(0o755)
    # Two steps: the second also snapshots, diffs and reads on top of the planted state.
    repo = make_project(tmp_path, str(script), max_steps=2)
    history = Codebase(repo).fit()
    ran = sorted(p.name for p in drop.iterdir())
    assert ran == [], f"planted git code ran on the host: {ran}"
    assert history.steps[0]["train_score"] == 1.0, "the honest part of the step still counts"


def test_git_inside_the_sandbox_finds_no_repository_of_codefit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace has no .git, and its git directory is not visible from the sandbox."""
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    probe = (
        "ls -a > here.txt; ls -A ../ws.git > gitdir.txt 2>&1; git rev-parse --git-dir >> gitdir.txt 2>&1; "
        "sed -i 's/a - b/a + b/' calc.py"
    )
    repo = make_project(tmp_path, probe, max_steps=1, extra=KEEP_BLOCKS)  # `..` is a block: keep the step
    done = codefit("fit", cwd=repo)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    branch = json.loads(codefit("show", "latest", "--json", cwd=repo).stdout)["run"]["branch"]

    def committed(name: str) -> list[str]:
        return run_git(repo, "show", f"{branch}:{name}").split()

    assert ".git" not in committed("here.txt")
    seen = committed("gitdir.txt")  # the git directory beside the workspace shows nothing (or is not there)
    assert "HEAD" not in seen and "objects" not in seen
    assert "not a git repository" in " ".join(seen)
