from __future__ import annotations

from pathlib import Path

import pytest

from codefit.config import load_config
from codefit.errors import ConfigError
from codefit.spec import FeedbackLevel, Split

from ..conftest import MakeRepo

BASE = """
task = "Fix it."
[optimizer]
kind = "command"
command = "true"
[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]
"""


def test_codefit_toml_loads_with_defaults(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": 'task = "x"\n[[sensors]]\nname = "unit"\nkind = "pytest"\n'})
    loaded = load_config(repo)
    spec = loaded.build_spec()
    assert [s.settings.name for s in spec.train] == ["unit"]
    assert spec.train[0].settings.gate is True
    assert spec.train[0].settings.split == Split.TRAIN
    assert loaded.config.max_steps == 10
    assert loaded.config.optimizer.kind == "search"


def test_tool_codefit_in_pyproject(make_repo: MakeRepo) -> None:
    text = (
        BASE.replace("[[sensors]]", "[[tool.codefit.sensors]]")
        .replace("[optimizer]", "[tool.codefit.optimizer]")
        .replace("task =", "[tool.codefit]\ntask =")
    )
    repo = make_repo({"pyproject.toml": text})
    assert load_config(repo).config.task == "Fix it."


def test_task_read_from_file(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE.replace('"Fix it."', '"TASK.md"'), "TASK.md": "Do the thing.\n"})
    assert load_config(repo).task_text == "Do the thing.\n"


def test_missing_task_file_names_key(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE.replace('"Fix it."', '"TASK.md"')})
    with pytest.raises(ConfigError, match=r"codefit.toml: key 'task': file 'TASK.md' not found"):
        load_config(repo)


def test_unknown_top_level_key(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": "max_stpes = 3\n" + BASE})
    with pytest.raises(ConfigError) as info:
        load_config(repo)
    assert "codefit.toml" in str(info.value)
    assert "key 'max_stpes': unknown key" in str(info.value)


def test_typo_in_sensor_option_names_sensor_index(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE + "test_timeot = 3\n"})
    with pytest.raises(ConfigError, match=r"key 'sensors\[0\]\.test_timeot': unknown key"):
        load_config(repo)


def test_wrong_type_says_what_was_expected(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": "max_steps = 'many'\n" + BASE})
    with pytest.raises(ConfigError, match=r"key 'max_steps': Input should be a valid integer"):
        load_config(repo)


def test_unknown_sensor_kind(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE.replace('kind = "pytest"', 'kind = "pytset"')})
    with pytest.raises(ConfigError, match=r"unknown sensor kind 'pytset'; expected one of: .*pytest"):
        load_config(repo)


def test_unknown_optimizer_key(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE.replace('command = "true"', 'command = "true"\ncomand = "x"')})
    with pytest.raises(ConfigError, match=r"key 'optimizer\.comand': unknown key"):
        load_config(repo)


def test_no_config_is_a_clear_error(make_repo: MakeRepo) -> None:
    repo = make_repo({"README": "x"})
    with pytest.raises(ConfigError, match=r"no codefit\.toml and no \[tool\.codefit\]"):
        load_config(repo)


def test_invalid_toml_names_file(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": "task = \n"})
    with pytest.raises(ConfigError, match=r"codefit\.toml: not valid TOML"):
        load_config(repo)


def heldout_config(path: str) -> str:
    return (
        BASE
        + f"""
[[sensors]]
name = "holdout"
kind = "pytest"
path = "{path}"
split = "validation"
feedback = "score"
budget = 2
"""
    )


def test_heldout_path_outside_repo_resolves(make_repo: MakeRepo, tmp_path: Path) -> None:
    (tmp_path / "hidden").mkdir()
    repo = make_repo({"codefit.toml": heldout_config("../hidden")})
    sensor = load_config(repo).build_spec().validation[0]
    assert sensor.settings.path == (tmp_path / "hidden").resolve()
    assert sensor.settings.split == Split.VALIDATION
    assert sensor.settings.feedback == FeedbackLevel.SCORE
    assert sensor.settings.budget == 2


def test_missing_heldout_path(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": heldout_config("../nowhere")})
    with pytest.raises(
        ConfigError, match=r"key 'sensors\[1\]\.path': held-out path '\.\./nowhere' does not exist"
    ):
        load_config(repo)


def test_heldout_inside_repo_is_refused(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": heldout_config("hidden"), "hidden/test_x.py": ""})
    with pytest.raises(ConfigError, match="must live outside the repository"):
        load_config(repo)


def test_duplicate_sensor_names(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE + BASE.split('command = "true"')[1]})
    with pytest.raises(ConfigError, match="duplicate sensor name 'unit'"):
        load_config(repo)


def test_max_steps_under_optimizer_is_accepted(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": BASE.replace('command = "true"', 'command = "true"\nmax_steps = 4')})
    assert load_config(repo).config.max_steps == 4


def test_fingerprint_changes_with_harness_settings(make_repo: MakeRepo) -> None:
    a = make_repo({"codefit.toml": BASE}, name="a")
    b = make_repo({"codefit.toml": "max_steps = 3\n" + BASE}, name="b")
    assert load_config(a).fingerprint() != load_config(b).fingerprint()
    assert load_config(a).fingerprint() == load_config(a).fingerprint()


def test_wall_time_and_cost_limits_become_one_budget_callback(make_repo: MakeRepo) -> None:
    from codefit.api import Codebase
    from codefit.harness.callbacks import Budget

    repo = make_repo({"codefit.toml": "max_wall_time = 600\nmax_cost_usd = 2.5\n" + BASE})
    budgets = [cb for cb in Codebase(repo)._config_callbacks() if isinstance(cb, Budget)]
    assert [(b.max_seconds, b.max_cost_usd) for b in budgets] == [(600, 2.5)]


def test_a_relative_python_is_resolved_against_the_project_root(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": 'python = "env/bin/python"\n' + BASE})
    with pytest.raises(ConfigError, match="key 'python': interpreter 'env/bin/python' not found"):
        load_config(repo)
    (repo / "env" / "bin").mkdir(parents=True)
    (repo / "env" / "bin" / "python").write_text("#!/bin/sh\n")
    assert load_config(repo).config.python == "env/bin/python"


def test_a_relative_python_runs_from_the_project_root_wherever_codefit_is_started(
    make_repo: MakeRepo,
) -> None:
    from codefit.harness.plan import resolve_python

    repo = make_repo({"codefit.toml": BASE})
    assert resolve_python(repo, "env/bin/python") == str(repo / "env" / "bin" / "python")
    assert resolve_python(repo, "python3") == "python3"
