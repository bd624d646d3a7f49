from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codefit import registry
from codefit.config import build_optimizer, load_config
from codefit.errors import ConfigError
from codefit.optimizers.base import Optimizer
from codefit.optimizers.codex import CodexOptimizer

BASE = """
task = "Fix add()."

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[optimizer]
"""


@pytest.mark.parametrize("kind", ["claude-code", "codex", "aider", "openai"])
def test_every_agent_kind_resolves_and_satisfies_the_optimizer_protocol(kind: str) -> None:
    cls = registry.optimizers.get(kind)
    assert cls.kind == kind
    assert isinstance(cls(cls.options_model()), Optimizer)


def test_codex_keys_and_price_table_load_from_toml(make_repo: Callable[..., Path]) -> None:
    toml = BASE + (
        'kind = "codex"\nmodel = "house"\nsandbox = "bypass"\nmcp = true\ncontext = "reset"\n'
        "[optimizer.price_table.house]\ninput = 1.0\noutput = 3.0\n"
    )
    repo = make_repo({"codefit.toml": toml})
    optimizer = build_optimizer(load_config(repo))
    assert isinstance(optimizer, CodexOptimizer)
    assert optimizer.options.price_table["house"].output == 3.0
    assert optimizer.options.context == "reset"


def test_unknown_agent_key_is_a_config_error_naming_it(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"codefit.toml": BASE + 'kind = "claude-code"\npermision_mode = "plan"\n'})
    with pytest.raises(ConfigError, match=r"optimizer\.permision_mode"):
        load_config(repo)
