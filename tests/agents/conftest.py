"""Fixtures for the agent adapters: fake agent executables first on PATH, and a buggy repo."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agents_support import BUGGY, FIXTURES, FakeAgents, MakeState

from codefit.optimizers.base import StepState
from codefit.sensors.base import SensorContext


@pytest.fixture
def fake_agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeAgents:
    """`claude`, `codex` and `aider` on PATH, each a copy of fake_agent.py; the edit fixes calc.py."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    source = (FIXTURES / "bin" / "fake_agent.py").read_text()
    for name in ("claude", "codex", "aider"):
        exe = bin_dir / name
        exe.write_text(f"#!{sys.executable}\n{source}")
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    log = tmp_path / "agent-log" / "calls.jsonl"
    log.parent.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    # The recorded streams travel with the fake binaries: the sandbox hides /tmp, where a test
    # checkout may live, but keeps an agent binary's own directory visible.
    fixtures = bin_dir / "fixtures"
    shutil.copytree(FIXTURES, fixtures, ignore=shutil.ignore_patterns("bin"))
    monkeypatch.setenv("FAKE_FIXTURES", str(fixtures))
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    monkeypatch.setenv("FAKE_AGENT_MODE", "ok")
    monkeypatch.setenv("FAKE_EDIT_PATH", "calc.py")
    monkeypatch.setenv("FAKE_EDIT_OLD", "a - b")
    monkeypatch.setenv("FAKE_EDIT_NEW", "a + b")
    return FakeAgents(bin_dir, log, monkeypatch)


@pytest.fixture
def make_state(make_repo: Callable[..., Path], tmp_path: Path) -> MakeState:
    """A StepState over a committed buggy repo; later calls reuse the same workspace."""
    holder: dict[str, Path] = {}

    def make(
        step: int = 1, session: dict[str, Any] | None = None, feedback: str = "", **kw: Any
    ) -> StepState:
        if "ws" not in holder:
            holder["ws"] = make_repo(BUGGY, name="ws")
        ws = holder["ws"]
        return StepState(
            workspace=ws,
            step=step,
            task="Make add() return the sum of its arguments.",
            feedback=feedback,
            task_file=tmp_path / "TASK.md",
            feedback_file=tmp_path / "FEEDBACK.md",
            train_sensors=kw.pop("train_sensors", ()),
            sensor_context=SensorContext(python=sys.executable),
            run_checks=kw.pop("run_checks", list),
            timeout_s=kw.pop("timeout_s", 60.0),
            session=session or {},
            **kw,
        )

    return make
