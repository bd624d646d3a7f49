"""`codefit doctor`'s agent check and fit's preflight against the real, installed CLIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.doctor.agent_endpoint import probe
from codefit.doctor.agents import require_agent_cli
from codefit.errors import OptimizerError
from codefit.optimizers.aider import AiderOptimizer, AiderOptions
from codefit.optimizers.claude_code import ClaudeCodeOptimizer, ClaudeCodeOptions
from codefit.optimizers.codex import CodexOptimizer, CodexOptions

from ..conftest import needs_bwrap
from .codex_support import codex_options
from .conftest import BINARIES
from .server import ModelServer


def test_doctor_names_the_installed_versions_and_exits_0(
    claude_binary: Path, codex_binary: Path, aider_binary: Path, tmp_path: Path
) -> None:
    path = os.pathsep.join(str(BINARIES[name].parent) for name in ("claude", "codex", "aider"))  # as named
    env = {**os.environ, "PATH": f"{path}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, "-m", "codefit", "doctor", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    agents = [f for f in json.loads(done.stdout) if f["check"] == "agents"]
    messages = " | ".join(f["message"] for f in agents)
    for version in ("claude 2.1.332", "codex 0.171.0", "aider 0.86.2"):
        assert version in messages
    assert all(f["level"] == "ok" for f in agents), agents


def test_every_flag_codefit_passes_by_default_is_accepted_by_the_real_clis(
    claude_binary: Path, codex_binary: Path, aider_binary: Path, tmp_path: Path
) -> None:
    require_agent_cli(
        ClaudeCodeOptimizer(ClaudeCodeOptions(binary=str(claude_binary), max_turns=2, mcp=True)), tmp_path
    )
    require_agent_cli(CodexOptimizer(CodexOptions(binary=str(codex_binary), mcp=True, model="m")), tmp_path)
    require_agent_cli(AiderOptimizer(AiderOptions(binary=str(aider_binary), lint_cmd="ruff")), tmp_path)


def test_full_auto_is_refused_before_step_1_naming_the_version(codex_binary: Path, tmp_path: Path) -> None:
    optimizer = CodexOptimizer(CodexOptions(binary=str(codex_binary), extra_args=["--full-auto"]))
    with pytest.raises(OptimizerError, match=r"codex 0\.171\.0 does not accept `--full-auto`"):
        require_agent_cli(optimizer, tmp_path)


@needs_bwrap  # without bubblewrap allow_hosts is not enforced (and the sandbox warning says so)
def test_the_endpoint_is_probed_through_the_sandbox_and_the_allow_list(
    codex_binary: Path, model_server: ModelServer, tmp_path: Path
) -> None:
    options = codex_options(codex_binary, model_server, tmp_path)
    assert probe("codex", options).ok
    closed = probe("codex", options.model_copy(update={"allow_hosts": ["api.openai.com"]}))
    assert not closed.ok and model_server.host in closed.detail
