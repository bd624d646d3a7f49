"""The `openai` optimizer (codefit's own agent over the openai SDK) against the scripted
chat-completions server, strict about tool replies as OpenAI is: two steps, each ended by `submit`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codefit.api import Codebase
from codefit.cli import app
from codefit.optimizers.agents import pricing
from codefit.optimizers.base import EventKind, StepStatus
from codefit.optimizers.openai_chat import OpenAIOptimizer, OpenAIOptions

from .claude_support import planted_repo, state
from .server import AnthropicApi, Billed, ModelServer, call, serving
from .server.codex_tools import CodexResponsesApi
from .server.strict_chat import StrictChatApi

PRICE = pricing.Price(input=2.0, cached_input=0.5, output=8.0)


@pytest.fixture
def strict_server() -> Iterator[ModelServer]:
    with serving(ModelServer([StrictChatApi("house"), CodexResponsesApi(), AnthropicApi()])) as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return planted_repo(tmp_path / "ws")


def test_the_openai_optimizer_converges_over_two_steps_each_ended_by_submit(
    strict_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    options = OpenAIOptions(
        base_url=strict_server.url + "/v1",
        model="house",
        api_key="k",
        max_retries=0,
        price_table={"house": PRICE},
    )
    optimizer = OpenAIOptimizer(options)
    strict_server.add(
        call("read_file", Billed(input=800, output=20), path="calc.py"),
        call(
            "edit_file",
            Billed(input=200, output=30, cache_read=800),
            path="calc.py",
            old="a - b",
            new="a * b",
        ),
        call("submit", Billed(input=100, output=10, cache_read=1000), summary="replaced the subtraction"),
    )
    first = optimizer.step(state(workspace, tmp_path))
    after_first = strict_server.script.served
    strict_server.add(
        call(
            "edit_file",
            Billed(input=300, output=30, cache_read=1100),
            path="calc.py",
            old="a * b",
            new="a + b",
        ),
        call("submit", Billed(input=100, output=10, cache_read=1400), summary="now it adds"),
    )
    second = optimizer.step(
        state(workspace, tmp_path, step=2, session=dict(first.session), feedback="unit FAILED")
    )

    assert (first.status, second.status) == (StepStatus.EDITED, StepStatus.EDITED), second.error
    assert (first.summary, second.summary) == ("replaced the subtraction", "now it adds")
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    carried = strict_server.turns("chat")[after_first].body["messages"]
    assert any(m.get("content") == "received: replaced the subtraction" for m in carried)  # submit answered
    for result, billed in (
        (first, strict_server.billed(0, after_first)),
        (second, strict_server.billed(after_first)),
    ):
        total_input = billed.input + billed.cache_read + billed.cache_write
        assert (result.usage.input_tokens, result.usage.cached_tokens, result.usage.output_tokens) == (
            total_input,
            billed.cache_read,
            billed.output,
        )
        cost = pricing.cost_usd(
            PRICE, input_tokens=total_input, cached_tokens=billed.cache_read, output_tokens=billed.output
        )
        assert result.usage.cost_usd == pytest.approx(cost)
    assert [e.name for e in second.transcript if e.kind == EventKind.TOOL_CALL] == ["edit_file", "submit"]


def test_a_run_on_a_model_with_no_price_shows_its_cost_as_unknown_not_as_zero(
    strict_server: ModelServer, tmp_path: Path
) -> None:
    repo = planted_repo(tmp_path / "repo")
    (repo / "codefit.toml").write_text(
        'task = "Make add() return the sum."\nwritable = ["*.py"]\n\n'
        '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n'
        f'[optimizer]\nkind = "openai"\nmodel = "house"\napi_key = "k"\nmax_retries = 0\n'
        f'base_url = "{strict_server.url}/v1"\n'
    )
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "config"], check=True)
    strict_server.add(
        call("edit_file", Billed(input=500, output=30), path="calc.py", old="a - b", new="a + b"),
        call("submit", Billed(input=100, output=10), summary="fixed"),
    )
    history = Codebase(repo).compile().fit(steps=1)
    step = history.steps[-1]
    assert (step["cost_known"], step["cost_unknown_steps"]) == (False, 1)

    shown = CliRunner().invoke(
        app, ["show", "latest", "--json", "-C", str(repo)], catch_exceptions=False, env={"COLUMNS": "200"}
    )
    detail = json.loads(shown.stdout)
    assert [s["cost_known"] for s in detail["steps"]] == [True, False]  # the baseline spent nothing
    table = CliRunner().invoke(
        app, ["show", "latest", "-C", str(repo)], catch_exceptions=False, env={"COLUMNS": "200"}
    )
    row = next(line for line in table.stdout.splitlines() if line.lstrip("│ ").startswith("1 "))
    assert "?" in row and "0.0000" not in row
    assert "cost: unknown for 1 step(s)" in table.stdout
