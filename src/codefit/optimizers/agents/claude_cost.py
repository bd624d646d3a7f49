"""A Claude Code step's own cost: the CLI reports the session's running total after `--resume`.

Measured with claude 2.1.332: `result.usage` counts the run's own tokens, but `total_cost_usd`
(and `modelUsage`) add up every run of the session. The session dict keeps the total the session
had reached (`SESSION_COST_KEY`), so a resumed step records the difference. A model Claude Code
has no price for is priced at a guess (`costBasis: "unknown"`): the step's usage says its cost is
unknown (`cost_known`), with a transcript note (`data.cost_unknown`, as for the other agents),
rather than a made-up figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codefit.optimizers.agents.claude_stream import ClaudeStream
from codefit.optimizers.base import EventKind, StepResult, TranscriptEvent, Usage

SESSION_COST_KEY = "session_cost_usd"


def cost_before(session: Mapping[str, Any], resumed: bool) -> float:
    """What the resumed session had cost before this step (0 for a fresh session)."""
    if not resumed:
        return 0.0
    try:
        return max(0.0, float(session.get(SESSION_COST_KEY) or 0.0))
    except (TypeError, ValueError):
        return 0.0


def step_usage(stream: ClaudeStream, before: float) -> Usage:
    """The step's usage: its own tokens, and its cost as the session's total minus `before`
    (unknown when the price is Claude Code's guess)."""
    if stream.unpriced_models:
        return stream.usage.model_copy(update={"cost_usd": 0.0, "cost_known": False})
    if stream.session_cost_usd is None:
        return stream.usage
    return stream.usage.model_copy(update={"cost_usd": max(0.0, stream.session_cost_usd - before)})


def unknown_cost_events(stream: ClaudeStream) -> list[TranscriptEvent]:
    """A note for the transcript when Claude Code priced a model at a guess."""
    if not stream.unpriced_models:
        return []
    models = ", ".join(stream.unpriced_models)
    note = (
        f"claude-code: token cost unknown (Claude Code has no price for {models} and guessed "
        f"${stream.session_cost_usd or 0.0:.4f} for the session); recorded as unknown"
    )
    return [TranscriptEvent(kind=EventKind.MESSAGE, role="codefit", text=note, data={"cost_unknown": True})]


def remember_session_cost(result: StepResult, stream: ClaudeStream, session_key: str) -> StepResult:
    """`result` whose session keeps the running total the CLI reported, when the session the next
    step resumes (`session_key`) is the one that reported it, even if this step failed."""
    if stream.session_cost_usd is None or result.session.get(session_key) != stream.session_id:
        return result
    session = {**result.session, SESSION_COST_KEY: stream.session_cost_usd}
    return result.model_copy(update={"session": session})
