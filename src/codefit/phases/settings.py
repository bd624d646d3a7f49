"""`[[phases]]`: the keys of one phase. Light on purpose: config.py imports it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PhaseSettings(BaseModel):
    """One phase of a run: plan, generate or evaluate (a registry: `codefit.phases` entry points)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="plan | generate | evaluate.")
    name: str | None = Field(default=None, description="Shown in `codefit show` (default: the kind).")
    task: str | None = Field(default=None, description="This phase's own instructions (prose or a file).")
    optimizer: dict[str, Any] | None = Field(
        default=None, description="Its [optimizer] (default: the run's)."
    )
    max_steps: int | None = Field(default=None, ge=1, description="Steps per sub-run (default: the run's).")
    sensors: list[str] | None = Field(
        default=None, description="Names of [[sensors]] that judge it (default: by kind)."
    )
    handoff: list[str] = Field(
        default_factory=list, description="Files it hands to the next phases (kept, shown in their task)."
    )
    artifact: str | None = Field(default=None, description="plan: the file it writes; generate: the plan.")
    check: str | None = Field(default=None, description="plan: a shell command that must pass on it.")

    @property
    def label(self) -> str:
        return self.name or self.kind
