"""The pinned-binary fixtures: a missing CLI is skipped locally but fails under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import conftest


def test_a_missing_binary_fails_under_ci_and_is_skipped_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(conftest.BINARIES, "claude", tmp_path / "no-claude")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="scripts/install-agents"):
        conftest.agent_binary("claude")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        conftest.agent_binary("claude")


def test_every_test_here_carries_the_real_agents_marker(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("real_agents") is not None
