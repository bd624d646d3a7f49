"""A check reads what judges a change from the base commit: the sealed held-out tests (and any
held-out folder kept in the repository) are never taken from the checkout on disk, which in CI is
the pull request's own. A pull request can then neither replay an older sealed file that judges less,
nor delete the sealed file, nor depend on which commit happens to be checked out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.gate.test_check import CONFIG, HELD_OUT, HONEST, KEY, OVERFIT, VISIBLE, commit, run

pytestmark = pytest.mark.slow
WEAK = "import shop.grades\n\n\ndef test_module_imports():\n    assert shop.grades\n"


def seal(root: Path, tests: str, held: Path) -> Path:
    """Seal `tests` as the validation split; the sealed file's path in the repository."""
    held.mkdir()
    (held / "test_hidden_grades.py").write_text(tests)
    argv = [sys.executable, "-m", "codefit", "seal", str(held), "--split", "validation", "--name", "hidden"]
    argv += ["--repo", str(root)]
    sealed = run(argv, root, {"CODEFIT_SEAL_KEY": KEY})
    assert sealed.returncode == 0, sealed.stderr
    return next((root / ".codefit-sealed").glob("*.sealed")).relative_to(root)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """main's sealed file judges the grade bands; an older commit's sealed file, at the same path
    and under the same key, judged only that the module imports."""
    root = tmp_path / "shop"
    (root / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "grades.py").write_text(HONEST)
    (root / "tests" / "test_grades.py").write_text(VISIBLE)
    assert run(["git", "init", "-q", "-b", "main"], root).returncode == 0
    rel = seal(root, WEAK, tmp_path / "weak")
    (root / "codefit.toml").write_text(CONFIG.replace("SEALED", str(rel)))
    commit(root, "the first held-out tests")
    (root / rel).unlink()
    assert seal(root, HELD_OUT, tmp_path / "strong") == rel
    commit(root, "stronger held-out tests")
    return root, rel


def check(repo: Path, head: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "codefit", "check", "--base", "main", "--head", head, "-C", str(repo)]
    return run(argv, repo, {"CODEFIT_SEAL_KEY": KEY})


def pull_request(repo: Path, branch: str) -> None:
    assert run(["git", "checkout", "-q", "-b", branch, "main"], repo).returncode == 0
    (repo / "shop" / "grades.py").write_text(OVERFIT)


def test_a_replayed_older_sealed_file_in_the_checkout_does_not_judge(repo: tuple[Path, Path]) -> None:
    root, rel = repo
    pull_request(root, "replay")
    assert run(["git", "checkout", "main~1", "--", str(rel)], root).returncode == 0
    commit(root, "overfit, and the sealed file as it once was")
    proc = check(root, "replay")  # checked out on disk, as CI checks out a pull request
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "held-out hidden (validation): failed" in proc.stdout


def test_a_sealed_file_deleted_by_the_change_still_judges_it(repo: tuple[Path, Path]) -> None:
    root, rel = repo
    pull_request(root, "delete")
    (root / rel).unlink()
    commit(root, "overfit, and no sealed file")
    proc = check(root, "delete")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "held-out hidden (validation): failed" in proc.stdout


def test_a_sealed_file_the_base_lacks_is_named_as_missing_from_the_base(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    """Committed elsewhere but not in the base (git-ignored, say): the error names the file and the
    base, not a temporary copy of the config."""
    root, rel = repo
    (root / ".gitignore").write_text(".*\n")  # as tabulate's: every dot-folder, .codefit-sealed too
    assert run(["git", "rm", "-q", "--cached", str(rel)], root).returncode == 0
    commit(root, "the sealed file left untracked")
    assert (root / rel).is_file()
    proc = check(root, "HEAD")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"the base commit has no {rel}" in proc.stderr, proc.stderr
    assert "codefit-check-" not in proc.stderr
