from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from codefit.config import load_config
from codefit.errors import ConfigError
from codefit.experiments.settings import apply_setting, expand, setting_id
from codefit.experiments.stats import draws, interval, paired_difference
from codefit.experiments.suite import load_suite, pack_task, prepare_task, unpack_task
from codefit.workspace.git import git

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# Examples that are not one fit each, so not tasks of a sweep (yet): a phased run (several fits and a
# browser) and a run over checkpoints (sweeps record one run and its figures per trial).
NOT_IN_SUITE = {"phases_todo", "checkpoints_inventory"}


def test_the_bundled_examples_are_one_suite() -> None:
    suite = load_suite(EXAMPLES)
    names = {t.name for t in suite.tasks}
    assert names == {p.name for p in EXAMPLES.iterdir() if (p / "repo").is_dir()} - NOT_IN_SUITE


def test_a_task_travels_as_bytes_and_is_prepared_without_history(tmp_path: Path) -> None:
    task = load_suite(EXAMPLES).task("wrong_variable")
    moved = unpack_task(task, pack_task(task), tmp_path / "worker")
    repo = prepare_task(moved, tmp_path / "run")
    assert (tmp_path / "run" / "hidden" / "validation").is_dir()
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert not list(repo.rglob("__pycache__"))


def test_suite_errors_name_the_task_and_key(tmp_path: Path) -> None:
    (tmp_path / "suite.toml").write_text('[[tasks]]\nname = "a"\nrepo = "missing"\n')
    with pytest.raises(ConfigError, match=r"tasks\[0\].*`repo` 'missing' does not exist"):
        load_suite(tmp_path)
    (tmp_path / "suite.toml").write_text('[[tasks]]\nname = "a"\nbundle = "b.bundle"\n')
    (tmp_path / "b.bundle").write_text("")
    with pytest.raises(ConfigError, match="needs the `ref`"):
        load_suite(tmp_path)


def test_settings_expand_and_apply_to_blind_sensors(tmp_path: Path) -> None:
    grid = {"max_steps": [1, 3], "feedback": ["verdict", "score"]}
    settings = expand(grid)
    assert len(settings) == 4 and len({setting_id(s) for s in settings}) == 4
    assert expand(grid, sample=2, seed=1) == expand(grid, sample=2, seed=1)
    config = tmp_path / "codefit.toml"
    config.write_text((EXAMPLES / "wrong_variable" / "repo" / "codefit.toml").read_text())
    apply_setting(config, {"max_steps": 1, "feedback": "verdict", "optimizer.kind": "command"})
    data = tomllib.loads(config.read_text())
    assert data["max_steps"] == 1 and data["optimizer"]["kind"] == "command"
    assert [s.get("feedback") for s in data["sensors"] if s.get("split") == "validation"] == ["verdict"]


def test_a_setting_of_another_optimizer_kind_drops_the_options_of_the_task_s_own(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "special_casing_drift", tmp_path, dirs_exist_ok=True)
    config = tmp_path / "repo" / "codefit.toml"
    apply_setting(config, {"optimizer.kind": "search", "max_steps": 1})
    assert tomllib.loads(config.read_text())["optimizer"] == {"kind": "search"}
    load_config(tmp_path / "repo")  # a valid spec: a `command` key would be refused by the search optimizer
    config.write_text('[optimizer]\nkind = "command"\ncommand = "agent"\n')
    apply_setting(config, {"optimizer.kind": "command", "optimizer.timeout": 5})
    assert tomllib.loads(config.read_text())["optimizer"] == {
        "kind": "command",
        "command": "agent",
        "timeout": 5,
    }


def test_paired_bootstrap_intervals_contain_the_mean_and_see_a_real_difference() -> None:
    tasks = [f"t{i}" for i in range(20)]
    samples = draws(tasks, seed=0, resamples=500)
    a = {t: 1.0 if i % 4 else 0.0 for i, t in enumerate(tasks)}  # 0.75
    b = {t: 1.0 if i % 2 else 0.0 for i, t in enumerate(tasks)}  # 0.5
    found = interval(a, samples)
    assert found is not None and found.ci_low <= 0.75 <= found.ci_high and found.mean == 0.75
    diff = paired_difference(a, b, samples)
    assert diff is not None and diff.mean == pytest.approx(0.25) and diff.ci_low > 0
    same = paired_difference(a, a, samples)
    assert same is not None and same.ci_low == same.ci_high == 0.0
