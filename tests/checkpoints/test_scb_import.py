"""A SlopCodeBench-format problem (tests/fixtures/scb/word_stats) imported and run end to end.

The scripted agent writes each checkpoint's reference solution when codefit's task names that
checkpoint; every checkpoint is met on SlopCodeBench's own tests, run through its conftest's
`--entrypoint` and `--checkpoint` options.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from codefit.checkpoints.scb import import_problem, read_problem
from codefit.checkpoints.series import fit_series
from codefit.config import load_config
from codefit.errors import ConfigError
from codefit.store import Store

PROBLEM = Path(__file__).parents[1] / "fixtures" / "scb" / "word_stats"

AGENT = """
import json, os, re, sys
from pathlib import Path
SOLUTIONS = json.loads({solutions!r})
task = Path(os.environ["CODEFIT_TASK_FILE"]).read_text()
checkpoint = re.search(r"Checkpoint (\\d+) of", task).group(1)
Path("word_stats.py").write_text(SOLUTIONS[checkpoint])
"""


def scripted_agent(folder: Path) -> Path:
    solutions = {
        str(k): (PROBLEM / "solutions" / f"checkpoint_{k}" / "word_stats.py").read_text() for k in (1, 2, 3)
    }
    agent = folder / "agent.py"
    agent.write_text(AGENT.format(solutions=json.dumps(solutions)))
    return agent


def test_the_import_writes_one_checkpoint_per_scb_checkpoint(tmp_path: Path) -> None:
    repo = import_problem(PROBLEM, tmp_path / "task", python=sys.executable)
    config = tomllib.loads((repo / "codefit.toml").read_text())
    names = [c["name"] for c in config["checkpoints"]]
    assert names == ["checkpoint_1", "checkpoint_2", "checkpoint_3"]
    assert config["checkpoints"][1]["args"] == [
        f"--entrypoint={sys.executable} word_stats.py",
        "--checkpoint=checkpoint_2",
    ]
    hidden = tmp_path / "task" / "hidden" / "checkpoint_2"
    assert sorted(p.name for p in hidden.glob("*.py")) == ["conftest.py", "test_checkpoint_2.py"]
    assert (hidden / "data" / "poem.txt").is_file()
    assert not list(repo.rglob("test_checkpoint_*.py"))  # the agent never sees the tests
    assert (repo / "checkpoints" / "checkpoint_3.md").read_text() == (PROBLEM / "checkpoint_3.md").read_text()
    assert load_config(repo).config.checkpoints[0].validation_args == [
        "-m",
        "not functionality and not error",
    ]


def test_a_problem_without_config_yaml_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config\.yaml"):
        read_problem(tmp_path)


def test_a_checkpoint_without_its_test_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "name: p\nentry_file: p\ncheckpoints:\n  checkpoint_1:\n    version: 1\n    order: 1\n"
    )
    (tmp_path / "checkpoint_1.md").write_text("spec")
    with pytest.raises(ConfigError, match=r"checkpoint 'checkpoint_1' has no tests/test_checkpoint_1.py"):
        read_problem(tmp_path)


@pytest.mark.slow
def test_an_imported_problem_runs_end_to_end_with_a_scripted_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))
    agent = scripted_agent(tmp_path)
    command = {"kind": "command", "command": f'"$CODEFIT_PYTHON" {agent}'}
    repo = import_problem(PROBLEM, tmp_path / "task", python=sys.executable, optimizer=command, max_steps=2)
    series = fit_series(load_config(repo), Store.for_repo(repo))
    assert [c.met for c in series.checkpoints] == [True, True, True]
    assert [c.steps for c in series.checkpoints] == [1, 1, 1]
    assert all(c.val_score == 1.0 and c.test_score == 1.0 for c in series.checkpoints)
    assert [c.tests_total for c in series.checkpoints] == [6, 6, 3]  # core (validation) + all (test)
    assert all(c.forgetting == 0 for c in series.checkpoints)


def test_the_cli_imports_a_problem_with_a_scripted_agent(tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "task"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "codefit.cli",
            "tasks",
            "import-scb",
            str(PROBLEM),
            "--out",
            str(out),
            "--command",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"task written: {out / 'repo'}" in done.stdout
    assert tomllib.loads((out / "repo" / "codefit.toml").read_text())["optimizer"] == {
        "kind": "command",
        "command": "true",
    }
    again = subprocess.run(
        [sys.executable, "-m", "codefit.cli", "tasks", "import-scb", str(PROBLEM), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "the output folder is not empty" in again.stderr
