from __future__ import annotations

from pathlib import Path

import pytest

from codefit.harness.context import FLAG_FILE
from codefit.optimizers.agents.common import agent_env, json_objects, take_flag
from codefit.optimizers.agents.process import run_agent
from codefit.workspace.sandbox import ResourceLimits, sandbox_available


def test_agent_environment_drops_codefit_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_SEAL_KEY", "secret")
    env = agent_env({"EXTRA": "1"})
    assert "CODEFIT_SEAL_KEY" not in env and env["EXTRA"] == "1"


@pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not available here")
def test_agent_sees_its_workspace_and_writable_paths_but_not_the_rest_of_tmp(tmp_path: Path) -> None:
    workspace, state, secret = tmp_path / "ws", tmp_path / "state", tmp_path / "secret"
    for d in (workspace, state, secret):
        d.mkdir()
    (secret / "answer.txt").write_text("42")
    script = f"ls {secret}/answer.txt; echo hi > {state}/note; echo ok > in_ws"
    run = run_agent(
        ["sh", "-c", script], workspace=workspace, env=agent_env({}), timeout_s=30, writable=[state]
    )
    assert "No such file" in run.stderr
    assert (state / "note").read_text() == "hi\n" and (workspace / "in_ws").read_text() == "ok\n"


def test_flag_phrase_in_the_final_answer_is_a_flag(tmp_path: Path) -> None:
    assert take_flag(tmp_path, "Done.\nCODEFIT_FLAG: test_x wants 6") == "test_x wants 6"
    assert take_flag(tmp_path, "All good.") is None
    (tmp_path / FLAG_FILE).write_text("")
    assert take_flag(tmp_path, "") == "flagged without a reason"


def test_only_a_line_starting_with_a_brace_can_be_corrupt_json() -> None:
    text = '[WARN] slow start\n[1, 2]\nbanner\n{"type": "a"}\n{"type": "b", "cut\n'
    assert list(json_objects(text, "line")) == [{"type": "a"}, 'unparsable line 5: {"type": "b", "cut']


def test_agent_runs_under_the_configured_limits(tmp_path: Path) -> None:
    run = run_agent(
        ["sh", "-c", "ulimit -t"],
        workspace=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        timeout_s=30,
        limits=ResourceLimits(cpu_s=4321),
    )
    assert run.error is None and run.stdout.strip() == "4321"
