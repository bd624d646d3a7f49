"""The real `claude` (2.1.332) as codefit's optimizer, one step at a time, under codefit's sandbox.

The CLI reaches the scripted server only through the egress allow-list (`allow_hosts`); the
network namespace is its own. Each test scripts what the "model" does and checks what codefit
made of the CLI's real output.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from codefit.optimizers.base import StepStatus, Usage

from ..conftest import run_git
from .claude_support import billed_cost, claude_optimizer, planted_repo, state
from .server import Billed, ModelServer, Step, call, fail, say, tool_results, workspace_of

DEFAULT = Billed()

pytestmark = pytest.mark.skipif(
    subprocess.run(["bwrap", "--version"], capture_output=True).returncode != 0, reason="needs bubblewrap"
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return planted_repo(tmp_path / "ws")


def edit(old: str, new: str, usage: Billed = DEFAULT) -> Step:
    """Claude's Edit on calc.py (absolute path, as the model is told the working directory)."""
    return lambda body: call(
        "Edit", usage=usage, file_path=workspace_of(body) + "/calc.py", old_string=old, new_string=new
    )


def usage_of(usage: Usage) -> tuple[int, int, int, float]:
    return (usage.input_tokens, usage.output_tokens, usage.cached_tokens, round(usage.cost_usd, 9))


def billed_usage(server: ModelServer, since: int, until: int) -> tuple[int, int, int, float]:
    """What codefit should record for the turns served at positions since..until: its Usage counts
    cached and cache-write input in input_tokens; the cost at Claude Code's list price."""
    b = server.billed(since, until)
    total_input = b.input + b.cache_read + b.cache_write
    return (total_input, b.output, b.cache_read, round(billed_cost(server, since, until), 9))


def test_a_resumed_second_step_continues_the_session_and_each_step_records_what_it_was_billed(
    claude_binary: Path, model_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    optimizer = claude_optimizer(claude_binary, model_server)
    model_server.add(
        call("Read", usage=Billed(input=1500, output=40, cache_write=900), file_path="calc.py"),
        edit("a - b", "a * b", Billed(input=300, output=60, cache_read=900)),
        say("Replaced the subtraction.", Billed(input=200, output=30, cache_read=1100)),
    )
    first = optimizer.step(state(workspace, tmp_path))
    after_first = model_server.script.served
    model_server.add(
        edit("a * b", "a + b", Billed(input=400, output=70, cache_read=1500, cache_write=100)),
        say("Now it adds.", Billed(input=100, output=20, cache_read=1700)),
    )
    second = optimizer.step(
        state(workspace, tmp_path, step=2, session=dict(first.session), feedback="unit FAILED")
    )

    assert (first.status, second.status) == (StepStatus.EDITED, StepStatus.EDITED), (
        first.error,
        second.error,
    )
    assert second.session["session_id"] == first.session["session_id"]
    resumed = model_server.turns("anthropic")[after_first].body
    assert "Replaced the subtraction." in str(resumed["messages"])  # the model sees step 1's conversation
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert usage_of(first.usage) == billed_usage(model_server, 0, after_first)
    assert usage_of(second.usage) == billed_usage(model_server, after_first, model_server.script.served)


@pytest.mark.parametrize(
    ("limit", "reason"),
    [({"max_turns": 2}, "max_turns"), ({"max_budget_usd": 0.01}, "max_budget_usd")],
)
def test_a_step_stopped_by_its_turn_or_budget_limit_keeps_its_edits_and_its_session(
    claude_binary: Path,
    model_server: ModelServer,
    workspace: Path,
    tmp_path: Path,
    limit: dict[str, float],
    reason: str,
) -> None:
    optimizer = claude_optimizer(claude_binary, model_server, **limit)
    # A third turn billing $0.015 (5000 input tokens at $3 per million) passes the $0.01 budget:
    # the CLI stops before running its tool. Under max_turns = 2 it is never asked for.
    model_server.add(
        call("Read", file_path="calc.py"),
        edit("a - b", "a + b"),
        call("Bash", usage=Billed(input=5000, output=10), command="true"),
    )
    stopped = optimizer.step(state(workspace, tmp_path))
    assert stopped.error is None and stopped.status == StepStatus.EDITED
    assert f"stopped: {reason}" in stopped.summary
    assert "a + b" in (workspace / "calc.py").read_text()
    run_git(workspace, "commit", "-qam", "checkpoint")
    model_server.script.discard()  # what the limit left unasked
    model_server.add(say("All done."))
    again = optimizer.step(state(workspace, tmp_path, step=2, session=dict(stopped.session)))
    assert again.error is None and again.session["session_id"] == stopped.session["session_id"]
    assert "has been updated successfully" in "".join(tool_results(model_server.turns()[-1].body))


def test_a_session_claude_no_longer_has_is_replaced_by_a_fresh_one(
    claude_binary: Path, model_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    lost = str(uuid.uuid4())
    model_server.add(say("Starting over.", Billed(input=1000, output=100)))
    session = {"session_id": lost, "session_cost_usd": 5.0}  # the lost session's total is not this one's
    result = claude_optimizer(claude_binary, model_server).step(
        state(workspace, tmp_path, step=3, session=session)
    )
    assert result.error is None and result.summary == "Starting over."
    assert result.usage.cost_usd == pytest.approx(0.0045)
    assert result.session["session_id"] not in (None, lost)
    [turn] = model_server.turns()
    assert "Make add() return the sum" in str(turn.body["messages"])  # told the task again


def test_bypassing_permissions_as_root_works_under_codefits_sandbox(
    claude_binary: Path,
    model_server: ModelServer,
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IS_SANDBOX", raising=False)  # codefit must say it, not the machine
    optimizer = claude_optimizer(claude_binary, model_server, permission_mode="bypassPermissions")
    model_server.add(call("Bash", command="sed -i 's/a - b/a + b/' calc.py"), say("Fixed with sed."))
    result = optimizer.step(state(workspace, tmp_path))
    assert result.error is None and result.status == StepStatus.EDITED
    assert "a + b" in (workspace / "calc.py").read_text()


@pytest.mark.parametrize(
    ("status", "named"), [(429, "rate limited (HTTP 429)"), (401, "authentication failed (HTTP 401)")]
)
def test_api_failures_are_step_errors_named_for_what_they_are(
    claude_binary: Path, model_server: ModelServer, workspace: Path, tmp_path: Path, status: int, named: str
) -> None:
    model_server.add(fail(status, "scripted refusal"))
    result = claude_optimizer(claude_binary, model_server).step(state(workspace, tmp_path))
    assert result.status == StepStatus.ERROR
    assert result.error is not None and result.error.startswith(named), result.error
    assert "session_id" not in result.session


def test_a_model_claude_cannot_price_is_recorded_as_unknown_cost_not_as_its_guess(
    claude_binary: Path, model_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    model_server.add(say("Hello.", Billed(input=1000, output=100)))
    result = claude_optimizer(claude_binary, model_server, model="gateway-model-7").step(
        state(workspace, tmp_path)
    )
    assert result.error is None and result.usage.cost_usd == 0.0 and result.usage.cost_known is False
    assert (result.usage.input_tokens, result.usage.output_tokens) == (1000, 100)
    assert next(e.text for e in result.transcript if e.data.get("cost_unknown")).startswith(
        "claude-code: token cost unknown (Claude Code has no price for gateway-model-7"
    )
