"""What the store holds about runs, steps and blind queries."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from codefit.records import Record


class RunStatus(StrEnum):
    RUNNING = "running"
    MET = "met"
    NOT_MET = "not_met"
    ERROR = "error"


class RunRecord(Record):
    id: str
    created: float
    updated: float
    status: RunStatus
    repo: str
    workspace: str
    base_commit: str
    branch: str | None = None
    fingerprint: str
    config: dict[str, Any]
    optimizer: str
    max_steps: int
    chosen_step: int | None = None
    parent_run: str | None = None
    parent_step: int | None = None
    final: dict[str, Any] | None = None
    error: str | None = None
    canaries: list[dict[str, Any]] = Field(default_factory=list)


class StepRecord(Record):
    run_id: str
    idx: int
    checkpoint: str
    started: float
    ended: float
    status: str
    summary: str = ""
    error: str | None = None
    loss: float | None = None
    train_score: float | None = None
    val_score: float | None = None
    val_passed: bool | None = None
    gates_passed: bool = False
    rolled_back: bool = False
    feedback_blob: str | None = None
    next_feedback_blob: str | None = None
    transcript_blob: str | None = None
    raw_blob: str | None = None
    diff_blob: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    logs: dict[str, Any] = Field(default_factory=dict)
    session: dict[str, Any] = Field(default_factory=dict)


class QueryRecord(Record):
    """One blind-split query: recorded whether it passed or not, with the budget it spent."""

    run_id: str
    step: int
    sensor: str
    score: float
    passed: bool
    reported: str
    spent: bool
    budget_left: int | None
    created: float
