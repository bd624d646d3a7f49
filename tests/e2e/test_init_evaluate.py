from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefit.config import load_config
from codefit.guards.source import matches

from ..conftest import MakeRepo
from .project import HONEST_FIX, codefit, make_project


def test_init_finds_the_tests_folder_and_writes_a_valid_config(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {"pkg/__init__.py": "", "pkg/core.py": "x = 1\n", "test/test_core.py": "def test_x(): pass\n"}
    )
    done = codefit("init", cwd=repo)
    assert done.returncode == 0, done.stderr
    text = (repo / "codefit.toml").read_text()
    assert 'args = ["test"]' in text and "# Found your tests in test/." in text
    assert 'writable = ["pkg/**"]' in text
    loaded = load_config(repo)
    assert [s.settings.name for s in loaded.build_spec().train] == ["unit"]
    again = codefit("init", cwd=repo)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_init_protects_only_the_test_files_of_a_package_that_holds_its_own_tests(make_repo: MakeRepo) -> None:
    # iso8601's shape: iso8601/test_iso8601.py beside iso8601/iso8601.py (protecting the folder made
    # every fix of the code a protected_changed alert).
    repo = make_repo(
        {
            "pkg/__init__.py": "",
            "pkg/core.py": "x = 1\n",
            "pkg/test_core.py": "from pkg.core import x\n\ndef test_x(): assert x == 1\n",
        }
    )
    assert codefit("init", cwd=repo).returncode == 0
    cfg = load_config(repo).config
    assert "pkg/**" in cfg.writable
    assert matches("pkg/test_core.py", cfg.protected) and matches("pkg/conftest.py", cfg.protected)
    assert not matches("pkg/core.py", cfg.protected)


@pytest.mark.parametrize(
    ("split", "code", "score"), [("train", 1, 0.0), ("validation", 1, 0.0), ("test", 1, 0.0)]
)
def test_evaluate_grades_the_current_tree(tmp_path: Path, split: str, code: int, score: float) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    done = codefit("evaluate", "--split", split, "--json", cwd=repo)
    assert done.returncode == code, done.stderr
    readings = json.loads(done.stdout)
    assert [r["split"] for r in readings] == [split] and readings[0]["score"] == score


def test_evaluate_sees_uncommitted_fix(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    done = codefit("evaluate", "--split", "validation", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "holdout (validation): pass score 1.00" in done.stdout
