"""Shared by the agent tests: where the recorded streams live and the fixtures' types."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codefit.optimizers.base import StepState

FIXTURES = Path(__file__).parent.parent / "fixtures" / "agents"
BUGGY = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}

MakeState = Callable[..., StepState]


class FakeAgents:
    def __init__(self, bin_dir: Path, log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bin_dir = bin_dir
        self.log = log
        self.monkeypatch = monkeypatch
        self.rw = [log.parent]  # the fake logs its calls here, so it must be writable in the sandbox

    def mode(self, mode: str) -> None:
        self.monkeypatch.setenv("FAKE_AGENT_MODE", mode)

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]
