"""The real `codex` (codex-cli 0.171.0) as codefit's optimizer, under codefit's sandbox, reaching the
scripted Responses API server only through the egress allow-list (`allow_hosts`)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codefit.harness.bridge import serve_bridge
from codefit.optimizers.base import EventKind, StepStatus

from .claude_support import planted_repo, state
from .codex_support import codex_optimizer, codex_server, mcp_tool, shell, usage_tuple
from .server import Billed, ModelServer, say, serving, tool_results

pytestmark = pytest.mark.skipif(
    subprocess.run(["bwrap", "--version"], capture_output=True).returncode != 0, reason="needs bubblewrap"
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return planted_repo(tmp_path / "ws")


def usage_of(result_usage: object) -> tuple[int, int, int, float]:
    u = result_usage
    return (u.input_tokens, u.output_tokens, u.cached_tokens, round(u.cost_usd, 9))  # type: ignore[attr-defined]


def test_codex_converges_over_two_steps_resuming_its_thread_and_records_each_steps_own_tokens(
    codex_binary: Path, model_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    optimizer = codex_optimizer(codex_binary, model_server, tmp_path / "codex-home")
    model_server.add(
        shell("sed -i 's/a - b/a * b/' calc.py", Billed(input=1500, output=40)),
        say("Replaced the subtraction.", Billed(input=300, output=30, cache_read=1200, reasoning=10)),
    )
    first = optimizer.step(state(workspace, tmp_path))
    after_first = model_server.script.served
    model_server.add(
        shell("sed -i 's/a [*] b/a + b/' calc.py", Billed(input=400, output=70, cache_read=1700)),
        say("Now it adds.", Billed(input=100, output=20, cache_read=2100)),
    )
    second = optimizer.step(
        state(workspace, tmp_path, step=2, session=dict(first.session), feedback="unit FAILED")
    )

    assert (first.status, second.status) == (StepStatus.EDITED, StepStatus.EDITED), (first.raw, second.raw)
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert second.session["thread_id"] == first.session["thread_id"]  # exec resume, same thread
    resumed = model_server.turns("responses")[after_first].body
    assert "Replaced the subtraction." in str(resumed["input"])  # the thread's history came along
    assert usage_of(first.usage) == usage_tuple(model_server.billed(0, after_first))
    assert usage_of(second.usage) == usage_tuple(model_server.billed(after_first))
    commands = [e.text for e in second.transcript if e.kind == EventKind.COMMAND]
    assert commands and "a + b" in commands[0]


def test_a_thread_codex_no_longer_has_is_replaced_in_the_same_step(
    codex_binary: Path, model_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    home = tmp_path / "codex-home"
    optimizer = codex_optimizer(codex_binary, model_server, home)
    model_server.add(say("Looked around."))
    first = optimizer.step(state(workspace, tmp_path))
    shutil.rmtree(home / "sessions")  # its rollouts are gone: `exec resume` answers "no rollout found"
    model_server.add(shell("sed -i 's/a - b/a + b/' calc.py"), say("Fixed."))
    second = optimizer.step(state(workspace, tmp_path, step=2, session=dict(first.session)))

    assert second.status == StepStatus.EDITED and second.error is None, second.raw
    assert second.session["thread_id"] != first.session["thread_id"]
    fresh = model_server.turns("responses")[1].body
    assert "Handoff from earlier steps" in str(fresh["input"])  # the new thread got the handoff note


@pytest.fixture
def codex_model_server() -> Iterator[ModelServer]:
    with serving(codex_server()) as server:
        yield server


def test_codex_calls_codefits_mcp_tools_run_checks_and_submit(
    codex_binary: Path, codex_model_server: ModelServer, workspace: Path, tmp_path: Path
) -> None:
    model_server = codex_model_server
    optimizer = codex_optimizer(codex_binary, model_server, tmp_path / "codex-home", mcp=True)
    model_server.add(
        mcp_tool("run_checks"),
        shell("sed -i 's/a - b/a + b/' calc.py"),
        mcp_tool("submit"),
        say("Submitted."),
    )
    handlers = {
        "spec": lambda args: "Make add() return the sum.",
        "run_checks": lambda args: "unit: FAILED test_add (assert -1 == 5)",
        "submit": lambda args: "validation: PASSED",
        "status": lambda args: "step 1",
    }
    with serve_bridge(workspace, handlers):
        result = optimizer.step(state(workspace, tmp_path))

    assert result.status == StepStatus.EDITED, result.raw
    calls = [e.name for e in result.transcript if e.kind == EventKind.TOOL_CALL]
    assert calls == ["mcp__codefit__run_checks", "mcp__codefit__submit"]
    answers = tool_results(model_server.turns("responses")[-1].body)
    # plain text (codex prefixes its wall time), not FastMCP's JSON-wrapped {"result": ...}
    assert answers[0].endswith("Output:\nunit: FAILED test_add (assert -1 == 5)"), answers
    assert answers[-1].endswith("Output:\nvalidation: PASSED") and '{"result"' not in str(answers)
