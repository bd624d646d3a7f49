"""Codex's tokens per step. After `codex exec resume`, `turn.completed.usage` is the thread's
running total (measured with codex-cli 0.171.0), not the turn's: the step's own share is the
difference from the total the previous step of the same thread ended with, which the session keeps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

TOTAL_KEY = "thread_usage"  # session key (codex.py passes it by name): the thread and its last total


@dataclass(frozen=True)
class TokenCounts:
    """Codex's usage fields; cached and cache-write tokens are part of `input`, reasoning of `output`."""

    input: int = 0
    cached: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0

    @classmethod
    def from_event(cls, usage: Mapping[str, Any]) -> TokenCounts:
        def count(key: str) -> int:
            value = usage.get(key)
            return int(value) if isinstance(value, int | float) else 0

        return cls(
            input=count("input_tokens"),
            cached=count("cached_input_tokens"),
            cache_write=count("cache_write_input_tokens"),
            output=count("output_tokens"),
            reasoning=count("reasoning_output_tokens"),
        )

    def minus(self, earlier: TokenCounts) -> TokenCounts:
        """This total less an earlier one of the same thread (never below zero)."""
        values = {f.name: max(0, getattr(self, f.name) - getattr(earlier, f.name)) for f in fields(self)}
        return TokenCounts(**values)


def step_tokens(
    total: TokenCounts, thread_id: str | None, session: Mapping[str, Any], resumed: bool
) -> TokenCounts:
    """The step's own tokens: `total` less what the session recorded for the same resumed thread."""
    if not resumed or not thread_id:
        return total
    earlier = _recorded(session.get(TOTAL_KEY))
    if earlier is None or earlier[0] != thread_id:
        return total
    return total.minus(earlier[1])


def recorded_total(thread_id: str | None, total: TokenCounts) -> str | None:
    """The session value that lets the next step of `thread_id` take its own share."""
    if not thread_id:
        return None
    return json.dumps({"thread": thread_id, **{f.name: getattr(total, f.name) for f in fields(total)}})


def _recorded(raw: Any) -> tuple[str, TokenCounts] | None:
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("thread"), str):
        return None
    counts = {f.name: int(data.get(f.name) or 0) for f in fields(TokenCounts)}
    return data["thread"], TokenCounts(**counts)
