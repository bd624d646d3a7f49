"""Aider defects found by running the real aider 0.86.2 (issue 13): its token line with cache
writes and hits, its 80-column wrapping off a terminal, and models LiteLLM cannot price."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from agents_support import MakeState

from codefit.optimizers.agents.aider_output import parse_usage
from codefit.optimizers.agents.common import agent_env, git_config_env
from codefit.optimizers.aider import (
    AIDER_NOISE,
    GIT_IDENTITY,
    ROOT_ANCHOR,
    AiderOptimizer,
    AiderOptions,
    anchored,
)
from codefit.optimizers.base import EventKind
from tests.conftest import run_git

LONG_PATH = "some_rather_long_package_name/with_a_deeply_nested_module_directory/calculator_module.py"
# Printed by aider 0.86.2 for one call that wrote 300 tokens to the cache and read 200 from it.
CACHED_CALL = (
    "Tokens: 1.3k sent, 300 cache write, 200 cache hit, 50 received.\n"
    "Cost: $0.0020 message, $0.0020 session.\n"
)
# Printed by aider 0.86.2 for a model LiteLLM has no price for (`openai/house-model`).
UNPRICED_CALL = "Tokens: 1.3k sent, 50 received.\n"

# Prints its output through rich as aider does (aider/io.py: Console(force_terminal=False,
# no_color=True)), so the wrapping is rich's own; edits the file named last, like an applied edit.
SCRIPTED_AIDER = r"""
import os, sys
from pathlib import Path
from rich.console import Console
from rich.text import Text
console = Console(force_terminal=False, no_color=True)
path = [a for a in sys.argv[1:] if a.endswith(".py")][-1]  # the chat file (aider.py may add an anchor)
Path(path).write_text(Path(path).read_text().replace("a - b", "a + b"))
console.print(Text(os.environ["SCRIPTED_TOKENS"]))
console.print(Text(f"Applied edit to {path}"))
"""


@pytest.fixture
def scripted_aider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "aider-bin"
    bin_dir.mkdir()
    exe = bin_dir / "aider"
    exe.write_text(f"#!{sys.executable}\n{SCRIPTED_AIDER}")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("COLUMNS", "80")  # what an 80-column terminal leaves in the environment
    return exe


def test_cache_write_and_hit_put_the_cost_on_the_next_line_and_it_is_still_read() -> None:
    usage, priced = parse_usage(CACHED_CALL)
    assert (usage.input_tokens, usage.cached_tokens, usage.output_tokens) == (1300, 200, 50)
    assert usage.cost_usd == pytest.approx(0.002) and priced and usage.cost_known


def test_a_long_applied_path_is_read_whole_from_aider_off_a_terminal(
    scripted_aider: Path, make_state: MakeState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRIPTED_TOKENS", CACHED_CALL.strip())
    state = make_state()
    target = state.workspace / LONG_PATH
    target.parent.mkdir(parents=True)
    target.write_text("def add(a, b):\n    return a - b\n")
    run_git(state.workspace, "add", LONG_PATH)
    run_git(state.workspace, "commit", "-qm", "a long path")
    options = AiderOptions(binary=str(scripted_aider), files=[LONG_PATH], model="gpt-4o")
    result = AiderOptimizer(options).step(state)
    applied = [
        e.name
        for e in result.transcript
        if e.kind == EventKind.FILE_CHANGE and e.data.get("source") == "aider"
    ]
    assert applied == [LONG_PATH], result.raw
    assert result.usage.cost_usd == pytest.approx(0.002), result.raw


def test_a_model_litellm_cannot_price_has_an_unknown_cost_not_zero(
    scripted_aider: Path, make_state: MakeState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRIPTED_TOKENS", UNPRICED_CALL.strip())
    result = AiderOptimizer(AiderOptions(binary=str(scripted_aider), model="openai/house-model")).step(
        make_state()
    )
    assert parse_usage(UNPRICED_CALL)[1] is False
    notes = [e for e in result.transcript if e.data.get("cost_unknown")]
    assert len(notes) == 1 and "house-model" in notes[0].text and "--model-metadata-file" in notes[0].text
    assert result.usage.input_tokens == 1300 and result.usage.cost_known is False


def test_without_git_aiders_root_is_kept_at_the_workspace_by_an_anchor_in_the_chat() -> None:
    # aider --no-git roots itself at the chat files' common folder (src/pkg here), not the workspace
    assert anchored(["src/pkg/a.py", "src/pkg/b.py"]) == ["src/pkg/a.py", "src/pkg/b.py", ROOT_ANCHOR]
    assert anchored(["calc.py", "src/pkg/a.py"]) == ["calc.py", "src/pkg/a.py"]
    assert ROOT_ANCHOR.startswith(AIDER_NOISE)  # never counted as the agent's edit


def test_aider_gets_a_git_identity_and_safe_directory_from_the_environment() -> None:
    # aider writes user.name into .git/config when git has none; the sandbox cannot write .git
    env = git_config_env(agent_env({}), GIT_IDENTITY)
    pairs = {
        env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))
    }
    assert pairs == {"safe.directory": "*", **GIT_IDENTITY}
    assert git_config_env({"GIT_CONFIG_COUNT": "1"}, {"a.b": "c"})["GIT_CONFIG_KEY_1"] == "a.b"
