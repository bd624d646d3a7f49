"""`[[checkpoints]]`: what one checkpoint of an evolving spec declares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codefit.spec import FeedbackLevel


class CheckpointSettings(BaseModel):
    """One checkpoint: its task, its visible tests and its held-out tests."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="Short name; its sensors are named after it.")
    task: str = Field(description="What this checkpoint adds: prose, or a path to a file holding it.")
    tests: list[str] = Field(
        default_factory=list,
        description="Visible test paths in the repository (hidden before this checkpoint).",
    )
    validation: str | None = Field(
        default=None, description="Held-out validation tests (a path outside the repo)."
    )
    test: str | None = Field(
        default=None, description="Held-out test tests, graded once at the checkpoint's end."
    )
    max_steps: int | None = Field(
        default=None, ge=1, description="Steps for this checkpoint (default: max_steps)."
    )
    args: list[str] = Field(default_factory=list, description="Extra pytest arguments for all its tests.")
    validation_args: list[str] = Field(
        default_factory=list, description="Extra pytest arguments for its validation tests only."
    )
    feedback: FeedbackLevel = Field(default=FeedbackLevel.SCORE, description="Validation feedback level.")
    budget: int | None = Field(default=None, ge=0, description="Validation queries for this checkpoint.")

    def sensor_names(self) -> tuple[str, str, str]:
        """(visible, validation, test) sensor names."""
        return self.name, f"{self.name}_validation", f"{self.name}_test"
