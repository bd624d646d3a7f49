"""`codefit doctor`'s agent check and fit's preflight, against stand-ins that answer `--version` and
`--help` with what the real CLIs printed (tests/fixtures/agents/help/)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from agents_support import BUGGY, FakeAgents

from codefit.doctor import DoctorContext, Level, run_checks
from codefit.doctor.agent_endpoint import probe
from codefit.doctor.agents import require_agent_cli
from codefit.errors import OptimizerError
from codefit.optimizers.aider import AiderOptimizer
from codefit.optimizers.claude_code import ClaudeCodeOptimizer, ClaudeCodeOptions
from codefit.optimizers.codex import CodexOptimizer, CodexOptions
from codefit.optimizers.openai_chat import OpenAIOptions
from tests.conftest import needs_bwrap


def test_a_flag_the_installed_codex_refuses_stops_fit_naming_flag_and_version(
    fake_agents: FakeAgents, tmp_path: Path
) -> None:
    optimizer = CodexOptimizer(CodexOptions(extra_args=["--full-auto"]))
    with pytest.raises(OptimizerError, match=r"codex 0\.171\.0 does not accept `--full-auto`"):
        require_agent_cli(optimizer, tmp_path)
    assert fake_agents.calls() == []  # --version and --help ran nothing of the agent's step


def test_the_flags_codefit_passes_by_default_are_accepted(fake_agents: FakeAgents, tmp_path: Path) -> None:
    for optimizer in (
        CodexOptimizer(CodexOptions(mcp=True, model="m", reasoning_effort="xhigh")),
        ClaudeCodeOptimizer(ClaudeCodeOptions(max_turns=3, mcp=True)),  # --max-turns: hidden, accepted
        AiderOptimizer(),
    ):
        require_agent_cli(optimizer, tmp_path)


def test_a_missing_cli_is_refused_with_the_fix(tmp_path: Path) -> None:
    optimizer = CodexOptimizer(CodexOptions(binary=str(tmp_path / "no-such-codex")))
    with pytest.raises(OptimizerError, match=r"not found.*scripts/install-agents"):
        require_agent_cli(optimizer, tmp_path)


def test_a_cli_only_in_the_projects_tools_folder_needs_binary_set(
    fake_agents: FakeAgents, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / ".tools" / "npm" / "node_modules" / ".bin"
    tools.mkdir(parents=True)
    (tools / "codex").symlink_to(fake_agents.bin_dir / "codex")
    monkeypatch.setenv("PATH", os.defpath)
    findings = run_checks(DoctorContext(repo=tmp_path), ["agents"])
    codex = [f for f in findings if "codex" in f.message]
    assert codex and "codex 0.171.0 is in .tools/npm/node_modules/.bin/codex" in codex[0].message
    with pytest.raises(OptimizerError, match=f'set binary = "{tools / "codex"}"'):
        require_agent_cli(CodexOptimizer(), tmp_path)
    require_agent_cli(CodexOptimizer(CodexOptions(binary=str(tools / "codex"))), tmp_path)


def test_codefit_fit_refuses_before_step_1_with_exit_2(
    fake_agents: FakeAgents, make_repo: Callable[..., Path]
) -> None:
    toml = '[optimizer]\nkind = "codex"\nextra_args = ["--full-auto"]\n'
    config = 'task = "Fix add."\n\n[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n' + toml
    repo = make_repo({**BUGGY, "codefit.toml": config})
    done = subprocess.run(
        [sys.executable, "-m", "codefit", "fit", str(repo), "--steps", "1"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "codex 0.171.0 does not accept `--full-auto`" in done.stderr
    assert fake_agents.calls() == []


def test_doctor_lists_each_installed_cli_with_its_version(fake_agents: FakeAgents, tmp_path: Path) -> None:
    findings = run_checks(DoctorContext(repo=tmp_path), ["agents"])
    ok = [f.message for f in findings if f.level == Level.OK]
    for label in ("claude 2.1.332", "codex 0.171.0", "aider 0.86.2"):
        assert any(m.startswith(label) for m in ok), findings


@needs_bwrap
def test_the_endpoint_probe_goes_through_the_egress_allow_list() -> None:
    # 127.0.0.2: under allow_hosts the relay keeps 127.0.0.1 off the proxy (NO_PROXY), and the
    # sandbox's own 127.0.0.1 has nothing listening
    server = ThreadingHTTPServer(("127.0.0.2", 0), BaseHTTPRequestHandler)  # answers 501: reachable
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.2:{server.server_address[1]}"
        provider = {
            "model_provider": "local",
            "model_providers": {"local": {"base_url": f"http://{host}/v1"}},
        }
        assert probe("codex", CodexOptions(allow_hosts=[host], config=provider)).ok
        refused = probe("codex", CodexOptions(allow_hosts=["example.org"], config=provider))
        assert not refused.ok and "egress allow-list" in refused.detail
        assert probe("openai", OpenAIOptions(base_url=f"http://{host}/v1")).ok
        closed = "127.0.0.2:9"  # allowed, but nothing listens: the egress proxy answers 502
        dead = {"model_provider": "local", "model_providers": {"local": {"base_url": f"http://{closed}/v1"}}}
        nothing = probe("codex", CodexOptions(allow_hosts=[closed], config=dead))
        assert not nothing.ok and "nothing answers" in nothing.detail
    finally:
        server.shutdown()
        server.server_close()
