"""What is measured is what is committed: through a real fit, a step that makes the visible tests
pass with something its checkpoint does not hold (an ignored conftest, index bits, a rewritten
pytest cache, bytecode that shadows the source) either fails the train reading, or what it did is
in the checkpoint, where the guards see it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from codefit.api import Codebase
from codefit.store import Store
from codefit.workspace import sandbox_user
from tests.conftest import needs_bwrap
from tests.e2e.project import make_project

pytestmark = [pytest.mark.slow, needs_bwrap]

PY = sys.executable
FIXING_CONFTEST = "printf 'import calc\\ncalc.add = lambda a, b: a + b\\n' > tests/conftest.py"
CORRECT = "def add(a, b):\n    return a + b\n"
PYC = importlib.util.cache_from_source("calc.py")

ATTACKS = {
    "conftest_in_info_exclude": (
        f"{FIXING_CONFTEST}; mkdir -p .git/info; echo 'tests/conftest.py' >> .git/info/exclude",
        "tests/conftest.py",
    ),
    "conftest_in_gitignore": (f"{FIXING_CONFTEST}; echo conftest.py > tests/.gitignore", "tests/conftest.py"),
    "skip_worktree_tests": (
        "git update-index --skip-worktree tests/test_calc.py; "
        "sed -i 's/== 3/!= 3/; s/== 4/!= 4/' tests/test_calc.py",
        "tests/test_calc.py",
    ),
    "pytest_rewrite_cache": (
        # Same size, same mtime: pytest takes the cached (rewritten) module for the real one.
        "cp tests/test_calc.py /tmp/orig.py; touch -r tests/test_calc.py /tmp/stamp; "
        "sed -i 's/== 3/!= 3/; s/== 4/!= 4/' tests/test_calc.py; touch -r /tmp/stamp tests/test_calc.py; "
        f"env -u PYTHONDONTWRITEBYTECODE {PY} -m pytest -q -p no:cacheprovider tests >/dev/null 2>&1; "
        "cp /tmp/orig.py tests/test_calc.py; touch -r /tmp/stamp tests/test_calc.py",
        "tests/__pycache__",
    ),
    "unchecked_hash_pyc": (
        f"{PY} -c \"import py_compile as p, pathlib as l; l.Path('/tmp/c.py').write_text({CORRECT!r}); "
        f"p.compile('/tmp/c.py', cfile='{PYC}', invalidation_mode=p.PycInvalidationMode.UNCHECKED_HASH)\"",
        "__pycache__",
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_train_reading_is_of_the_committed_tree(
    attack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    # As for a user who is not root: the sandbox runs as that user, who owns the whole workspace.
    monkeypatch.setattr(sandbox_user, "sandbox_identity", lambda: None)
    command, trace = ATTACKS[attack]
    script = tmp_path / "workdir-tools" / "attack.sh"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\n{command}\n")
    repo = make_project(tmp_path, "sh attack.sh", max_steps=1)
    (repo / "attack.sh").write_text(script.read_text())  # the command finds it in its workspace
    from tests.conftest import run_git

    run_git(repo, "add", "attack.sh")
    run_git(repo, "commit", "-q", "-m", "attack")
    history = Codebase(repo).fit()
    step = Store.for_repo(repo).steps(history.run_id)[1]
    diff = Store.for_repo(repo).blobs.text(step.diff_blob) if step.diff_blob else ""
    train = history.steps[0]["train_score"]
    assert train == 0.0 or trace in diff, f"train {train} measured a tree the checkpoint does not hold"
