"""The harness bridge of a step ends with the step: its server looks for the end often, not every 0.5 s."""

from __future__ import annotations

import socketserver
from pathlib import Path
from typing import Any

import pytest

from codefit.harness.bridge import SOCKET_NAME, call, serve_bridge


def test_the_bridge_answers_and_its_server_polls_for_the_step_end_within_50_ms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls: list[float] = []
    real = socketserver.BaseServer.serve_forever

    def recorded(self: socketserver.BaseServer, poll_interval: float = 0.5) -> None:
        polls.append(poll_interval)
        real(self, poll_interval)

    monkeypatch.setattr(socketserver.BaseServer, "serve_forever", recorded)
    handlers: dict[str, Any] = {"status": lambda args: "step 1 of 3"}
    with serve_bridge(tmp_path, handlers):
        assert call(tmp_path, "status") == "step 1 of 3"
    # Leaving the block waits for the serving thread's next look: socketserver's default is 0.5 s,
    # a quarter of a second of every step on average.
    assert polls and max(polls) <= 0.05
    assert not (tmp_path / SOCKET_NAME).exists()
