"""`[[phases]]` is validated when the config loads: one error naming the key."""

from pathlib import Path

import pytest

from codefit.config import load_config
from codefit.errors import ConfigError
from tests.conftest import MakeRepo

BASE = """task = "Build it."

[[sensors]]
name = "unit"
kind = "command"
command = "true"

[optimizer]
kind = "command"
command = "true"
"""


def load(make_repo: MakeRepo, phases: str) -> Path:
    repo = make_repo({"codefit.toml": BASE + phases})
    load_config(repo)
    return repo


def test_three_phases_load(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "codefit.toml": BASE
            + '[[phases]]\nkind = "plan"\nartifact = "PLAN.md"\ncheck = "grep -q - {artifact}"\n'
            + '[[phases]]\nkind = "generate"\nmax_steps = 3\n'
            + '[[phases]]\nkind = "evaluate"\nsensors = ["unit"]\n'
            + 'optimizer = { kind = "command", command = "true" }\n'
        }
    )
    phases = load_config(repo).config.phases
    assert [(p.kind, p.max_steps) for p in phases] == [("plan", None), ("generate", 3), ("evaluate", None)]


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        ('[[phases]]\nkind = "review"\n', "phases[0].kind: unknown phase kind 'review'"),
        ('[[phases]]\nkind = "plan"\n', "key 'phases[0].artifact': a plan phase needs the path"),
        ('[[phases]]\nkind = "generate"\n', "key 'phases[0].artifact': a generate phase needs a plan"),
        (
            '[[phases]]\nkind = "evaluate"\nsensors = ["browser"]\n',
            "key 'phases[0].sensors': no sensor named 'browser' (the sensors: unit)",
        ),
        ('[[phases]]\nkind = "evaluate"\nsteps = 2\n', "key 'phases[0].steps': unknown key"),
        (
            '[[phases]]\nkind = "evaluate"\n[[phases]]\nkind = "evaluate"\n',
            "key 'phases[1].name': duplicate phase name 'evaluate'",
        ),
        (
            '[[phases]]\nkind = "plan"\nartifact = "../PLAN.md"\n',
            "in 'phases[0]'",
        ),
        (
            '[[phases]]\nkind = "evaluate"\noptimizer = { kind = "command" }\n',
            "in 'phases[0]'",
        ),
    ],
)
def test_a_broken_phase_is_one_error_naming_its_key(make_repo: MakeRepo, phases: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(make_repo, phases)
    assert message in str(err.value)
    assert "codefit.toml" in str(err.value)
