"""`[[checkpoints]]` in the config: each checkpoint's run config, the errors, the starting tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit.checkpoints.boundary import forgotten
from codefit.checkpoints.plan import checkpoint_config
from codefit.checkpoints.trainer import lay_tree
from codefit.config import load_config
from codefit.errors import ConfigError

from ..conftest import MakeRepo

BASE = """task = "Build it."
[[sensors]]
name = "lint"
kind = "ruff"
"""


def checkpoint(name: str, **keys: str) -> str:
    lines = [f'name = "{name}"', f'task = "Add {name}."', *(f"{k} = {v}" for k, v in keys.items())]
    return "\n[[checkpoints]]\n" + "\n".join(lines) + "\n"


@pytest.fixture
def hidden(tmp_path: Path) -> Path:
    for name in ("one", "two"):
        (tmp_path / "hidden" / name).mkdir(parents=True)
    return tmp_path / "hidden"


def test_each_checkpoint_is_a_plain_run_config_with_earlier_visible_tests_as_regressions(
    make_repo: MakeRepo, hidden: Path
) -> None:
    config = BASE + checkpoint("one", tests='["tests/one"]', validation='"../hidden/one"')
    config += checkpoint("two", tests='["tests/two"]', test='"../hidden/two"', max_steps="4")
    repo = make_repo({"codefit.toml": config, "tests/one/test_a.py": "", "tests/two/test_b.py": ""})
    second = checkpoint_config(load_config(repo), 1)
    assert "checkpoints" not in second.raw
    assert [(s["name"], s.get("split", "train")) for s in second.raw["sensors"]] == [
        ("lint", "train"),
        ("one", "train"),
        ("two", "train"),
        ("two_test", "test"),
    ]
    assert second.config.max_steps == 4
    assert second.raw["task"].startswith("Build it.\n\n## Checkpoint 2 of 2: two\n\nAdd two.")


def test_a_duplicate_checkpoint_name_is_named(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE + checkpoint("one") + checkpoint("one")})
    with pytest.raises(ConfigError, match=r"checkpoints\[1\]\.name': duplicate checkpoint name 'one'"):
        load_config(repo)


def test_a_missing_heldout_path_is_named(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE + checkpoint("one", validation='"../nowhere"')})
    with pytest.raises(
        ConfigError, match=r"checkpoints\[0\]\.validation': held-out path '../nowhere' does not"
    ):
        load_config(repo)


def test_heldout_tests_inside_the_repository_are_refused(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE + checkpoint("one", test='"hidden"'), "hidden/test_x.py": ""})
    with pytest.raises(ConfigError, match=r"checkpoints\[0\]\.test': held-out tests must live outside"):
        load_config(repo)


def test_a_missing_visible_test_path_is_named(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE + checkpoint("one", tests='["tests/nope.py"]')})
    with pytest.raises(ConfigError, match=r"checkpoints\[0\]\.tests': visible test path 'tests/nope.py'"):
        load_config(repo)


def test_the_starting_tree_is_the_carried_one_with_its_own_tests_and_no_later_ones(tmp_path: Path) -> None:
    dest, carried = tmp_path / "dest", tmp_path / "carried"
    for rel in ("app.py", "tests/one.py", "tests/two.py", "tests/three.py"):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(f"repo {rel}")
    (carried / "tests").mkdir(parents=True)
    (carried / "app.py").write_text("carried app")
    (carried / "tests" / "one.py").write_text("carried one")
    lay_tree(dest, carried, own_tests=["tests/two.py"], future_tests=["tests/three.py"])
    files = {p.relative_to(dest).as_posix(): p.read_text() for p in dest.rglob("*") if p.is_file()}
    assert files == {
        "app.py": "carried app",
        "tests/one.py": "carried one",
        "tests/two.py": "repo tests/two.py",
    }


def test_the_first_checkpoint_starts_from_the_repository_without_later_visible_tests(tmp_path: Path) -> None:
    for rel in ("app.py", "tests/one.py", "tests/two.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    lay_tree(tmp_path, None, own_tests=["tests/one.py"], future_tests=["tests/two.py"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.py")) == [
        "app.py",
        "tests/one.py",
    ]


def test_forgetting_counts_tests_that_passed_then_and_do_not_now() -> None:
    then = {"a": True, "b": True, "c": False, "d": True}
    now = {"a": True, "b": False, "c": False}
    assert forgotten(then, now) == ["b", "d"]
