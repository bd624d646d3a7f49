"""The real codex inside codefit's loop (`Codebase.fit`): the workspace, the sandbox as run, the
checkpoint, the train split measured after the step, and the usage recorded in the store."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from codefit.api import Codebase
from codefit.optimizers.agents import pricing

from .claude_support import BUGGY
from .codex_support import MODEL, PRICE, shell
from .server import Billed, ModelServer, say

pytestmark = pytest.mark.skipif(
    subprocess.run(["bwrap", "--version"], capture_output=True).returncode != 0, reason="needs bubblewrap"
)


def test_fit_with_the_real_codex_repairs_the_repo_and_records_what_was_billed(
    codex_binary: Path, model_server: ModelServer, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    provider = {"name": "scripted", "base_url": model_server.url + "/v1", "env_key": "SCRIPTED_API_KEY"}
    home = tmp_path / "codex-home"
    home.mkdir()
    optimizer = {
        "kind": "codex",
        "binary": str(codex_binary),
        "model": MODEL,
        "allow_hosts": [model_server.host],
        "env": {"CODEX_HOME": str(home), "SCRIPTED_API_KEY": "sk-scripted"},
        "config": {"model_provider": "scripted", "model_providers": {"scripted": provider}},
        "sandbox_ro": [str(codex_binary.parents[3])],
        "timeout": 120,
    }
    toml = (
        'task = "Make add() return the sum of its arguments."\nwritable = ["calc.py"]\n\n'
        '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
        f"[optimizer]\n{_toml_table(optimizer)}"
    )
    repo = make_repo({**BUGGY, "codefit.toml": toml}, name="repo-codex")
    model_server.add(shell("sed -i 's/a - b/a + b/' calc.py", Billed(input=900, output=40)), say("Fixed."))
    history = Codebase(repo).compile().fit(steps=1)

    assert history.met, history
    step = history.steps[-1]
    assert (step["status"], step["train_score"]) == ("edited", 1.0), step
    assert (repo / "calc.py").read_text().endswith("a - b\n")  # the user's repository is untouched
    billed = model_server.billed()
    tokens = (billed.input + billed.cache_read, billed.cache_read, billed.output)
    cost = pricing.cost_usd(PRICE, input_tokens=tokens[0], cached_tokens=tokens[1], output_tokens=tokens[2])
    assert step["cost_usd_total"] == pytest.approx(cost)
    assert step["tokens_total"] == tokens[0] + tokens[2], step


def _toml_table(values: dict[str, object]) -> str:
    from codefit.optimizers.agents.codex_args import toml_value

    return "".join(f"{key} = {toml_value(value)}\n" for key, value in values.items())
