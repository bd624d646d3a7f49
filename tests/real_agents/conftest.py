"""Fixtures for running the real agent CLIs: the scripted model server and the pinned binaries.

The binaries are those `scripts/install-agents` puts under `.tools/` (run by `scripts/setup`).
When one is missing the test is skipped, unless the CI environment variable is set: then it
fails, so that a CI run cannot pass by skipping every real-agent test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .server import ModelServer, default_server, serving

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
BINARIES = {
    "claude": TOOLS / "npm" / "node_modules" / ".bin" / "claude",
    "codex": TOOLS / "npm" / "node_modules" / ".bin" / "codex",
    "aider": TOOLS / "aider" / "bin" / "aider",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/real_agents carries the `real_agents` marker (`pytest -m real_agents`)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.real_agents)


def agent_binary(name: str) -> Path:
    """The installed binary `name`, resolved; skip without it, fail without it under CI."""
    path = BINARIES[name]
    if not os.access(path, os.X_OK):
        message = f"{name} is not installed at {path}: run scripts/install-agents"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.resolve()


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    """A scripted model server on loopback (127.0.0.2) speaking the Anthropic, Responses and chat APIs."""
    with serving(default_server()) as server:
        yield server


@pytest.fixture
def claude_binary() -> Path:
    return agent_binary("claude")


@pytest.fixture
def codex_binary() -> Path:
    return agent_binary("codex")


@pytest.fixture
def aider_binary() -> Path:
    return agent_binary("aider")
