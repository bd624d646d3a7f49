"""The agent adapters inside codefit's real loop: fake CLIs on PATH, a real repo, real pytest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from agents_support import BUGGY, FakeAgents
from loopback import serve, tool_calls

from codefit.api import Codebase

CONFIG = """
task = "Make add() return the sum of its arguments."
writable = ["calc.py"]

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[optimizer]
kind = "{kind}"
sandbox_rw = ["{rw}"]
"""


# claude reports cost; codex has no model here: its cost is unknown (noted; Usage shows 0); aider prints it
EXPECTED_COST = {"claude-code": 0.0421, "codex": 0.0, "aider": 0.0053}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["claude-code", "codex", "aider"])
def test_fit_with_a_cli_agent_repairs_the_repo_and_records_usage(
    kind: str, fake_agents: FakeAgents, make_repo: Callable[..., Path]
) -> None:
    toml = CONFIG.format(kind=kind, rw=fake_agents.rw[0])
    repo = make_repo({**BUGGY, "codefit.toml": toml}, name=f"repo-{kind}")
    history = Codebase(repo).compile().fit(steps=1)
    assert fake_agents.calls()[0]["cwd"] != str(repo)  # the agent works in the isolated workspace
    step = history.steps[-1]
    assert step["status"] == "edited", step
    assert step["train_score"] == 1.0, step
    assert step["cost_usd_total"] == pytest.approx(EXPECTED_COST[kind])
    assert "a - b" in (repo / "calc.py").read_text()  # the user's tree is untouched


@pytest.mark.slow
def test_fit_with_the_openai_agent_against_a_loopback_endpoint(make_repo: Callable[..., Path]) -> None:
    script = [
        tool_calls(("edit_file", {"path": "calc.py", "old": "a - b", "new": "a + b"})),
        tool_calls(("run_checks", {})),
        tool_calls(("submit", {"summary": "fixed"})),
    ]
    with serve(script) as server:
        toml = CONFIG.split("[optimizer]")[0] + (
            f'[optimizer]\nkind = "openai"\nbase_url = "{server.base_url}"\nmodel = "m"\napi_key = "k"\n'
        )
        repo = make_repo({**BUGGY, "codefit.toml": toml}, name="repo-openai")
        history = Codebase(repo).compile().fit(steps=1)
    assert history.steps[-1]["status"] == "edited"
    assert history.steps[-1]["train_score"] == 1.0
    checks_report = server.requests[2]["messages"][-1]["content"]
    assert "## unit: PASSED" in checks_report
