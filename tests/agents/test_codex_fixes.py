"""Codex defects found by running the real codex-cli 0.171.0 (issue 13), pinned with a scripted
stand-in whose output follows what the real binary printed (see docs/agents/codex.md)."""

from __future__ import annotations

import json
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from agents_support import MakeState
from pydantic import ValidationError

from codefit.optimizers.agents import pricing
from codefit.optimizers.agents.codex_args import sandbox_flags, toml_value
from codefit.optimizers.base import StepStatus
from codefit.optimizers.codex import CodexOptimizer, CodexOptions

# Prints what codex exec --json prints; usage is the thread's running total (as after a real
# `exec resume`): each call adds 100 input, 40 cached, 10 output. A thread in LOST_THREAD is
# answered the way the real binary answers a missing rollout.
SCRIPTED_CODEX = r"""
import json, os, sys, uuid
from pathlib import Path
log = Path(os.environ["SCRIPTED_LOG"])
argv = sys.argv[1:]
threads = [json.loads(l)["thread"] for l in log.read_text().splitlines()] if log.exists() else []
thread = argv[argv.index("resume") + 1] if "resume" in argv else str(uuid.uuid4())
log.open("a").write(json.dumps({"argv": argv, "thread": thread}) + "\n")
if thread == os.environ.get("LOST_THREAD"):
    print(f"Error: thread/resume: no rollout found for thread id {thread}", file=sys.stderr)
    sys.exit(1)
turns = 1 + threads.count(thread)
events = [
    {"type": "thread.started", "thread_id": thread},
    {"type": "turn.started"},
    {"type": "item.completed", "item": {"id": "i0", "type": "agent_message", "text": "done"}},
    {"type": "turn.completed", "usage": {"input_tokens": 100 * turns, "cached_input_tokens": 40 * turns,
     "cache_write_input_tokens": 0, "output_tokens": 10 * turns, "reasoning_output_tokens": 2 * turns}},
]
print("\n".join(json.dumps(e) for e in events))
"""


@pytest.fixture
def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "codex-bin"
    bin_dir.mkdir()
    exe = bin_dir / "codex"
    exe.write_text(f"#!{sys.executable}\n{SCRIPTED_CODEX}")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    log = tmp_path / "codex-log" / "argv.jsonl"
    log.parent.mkdir()
    monkeypatch.setenv("SCRIPTED_LOG", str(log))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    return exe


def options(exe: Path, **kw: Any) -> CodexOptions:
    price = {"house": pricing.Price(input=1.0, cached_input=0.5, output=2.0)}
    return CodexOptions(
        binary=str(exe), model="house", price_table=price, sandbox_rw=[exe.parent.parent], **kw
    )


def test_the_default_sandbox_flag_is_one_codex_0_171_accepts() -> None:
    assert sandbox_flags("auto", confined=True) == ["--dangerously-bypass-approvals-and-sandbox"]
    assert sandbox_flags("auto", confined=False) == ["--sandbox", "workspace-write"]
    assert CodexOptions().sandbox == "auto"


def test_full_auto_is_refused_with_what_to_use_instead() -> None:
    with pytest.raises(ValidationError, match=r"removed from Codex in 0\.147.*workspace-write"):
        CodexOptions(sandbox="full-auto")  # type: ignore[arg-type]


def test_config_tables_are_passed_as_toml_inline_tables() -> None:
    value = {"name": "local", "base url": "http://127.0.0.1:1/v1", "retries": 2, "headers": {"x": "y"}}
    literal = toml_value(value)
    assert literal.startswith("{") and tomllib.loads(f"v = {literal}")["v"] == value
    assert tomllib.loads(f"v = {toml_value([1.5, True, 'a'])}")["v"] == [1.5, True, "a"]


def test_a_config_value_toml_cannot_hold_is_refused_naming_the_key() -> None:
    with pytest.raises(ValidationError, match=r"config\.model: cannot pass NoneType"):
        CodexOptions(config={"model": None})


def test_xhigh_reasoning_effort_is_passed() -> None:
    assert CodexOptions(reasoning_effort="xhigh").reasoning_effort == "xhigh"


def test_resumed_steps_record_their_own_tokens_not_the_threads_total(
    scripted: Path, make_state: MakeState
) -> None:
    optimizer = CodexOptimizer(options(scripted))
    first = optimizer.step(make_state())
    second = optimizer.step(make_state(step=2, session=dict(first.session)))
    third = optimizer.step(make_state(step=3, session=dict(second.session)))
    for result in (first, second, third):
        assert result.error is None, result.raw
        usage = result.usage
        assert (usage.input_tokens, usage.cached_tokens, usage.output_tokens) == (100, 40, 10)
        assert result.usage.cost_usd == pytest.approx((60 * 1.0 + 40 * 0.5 + 10 * 2.0) / 1e6)
    assert first.session["thread_id"] == third.session["thread_id"]


def test_a_lost_thread_is_replaced_by_a_fresh_one_in_the_same_step(
    scripted: Path, make_state: MakeState, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    optimizer = CodexOptimizer(options(scripted))
    first = optimizer.step(make_state())
    monkeypatch.setenv("LOST_THREAD", first.session["thread_id"])
    second = optimizer.step(make_state(step=2, session=dict(first.session)))
    assert second.status == StepStatus.NO_CHANGE and second.error is None
    assert second.session["thread_id"] != first.session["thread_id"]
    log = (tmp_path / "codex-log" / "argv.jsonl").read_text().splitlines()
    calls = [json.loads(line)["argv"] for line in log]
    assert ["resume" in c for c in calls] == [False, True, False]
    assert "Handoff from earlier steps" in calls[-1][-1]  # the fresh thread gets the full prompt
    assert second.usage.input_tokens == 100  # a new thread: nothing to subtract


def test_a_gpt_5_point_release_is_not_priced_as_gpt_5() -> None:
    assert pricing.lookup("gpt-5.2") is None and pricing.lookup("gpt-5-pro") is None
    assert pricing.lookup("gpt-4o-2024-08-06") == pricing.DEFAULT_PRICES["gpt-4o"]
    assert pricing.lookup("gpt-5.1-codex") == pricing.DEFAULT_PRICES["gpt-5.1-codex"]


def test_cache_writes_are_part_of_input_and_priced_at_their_own_rate() -> None:
    price = pricing.Price(input=1.0, cached_input=0.1, output=2.0, cache_write_input=1.25)
    cost = pricing.cost_usd(
        price, input_tokens=1000, cached_tokens=200, cache_write_tokens=300, output_tokens=10
    )
    assert cost == pytest.approx((500 * 1.0 + 200 * 0.1 + 300 * 1.25 + 10 * 2.0) / 1e6)


def test_codefits_mcp_server_is_required_so_codex_waits_for_its_tools(tmp_path: Path) -> None:
    from tests.conftest import bare_step_state

    state = bare_step_state(tmp_path, tmp_path)
    argv = CodexOptimizer(CodexOptions(mcp=True)).argv(state, "x", None)
    assert "mcp_servers.codefit.required=true" in [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
