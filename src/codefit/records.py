"""Base class for the immutable records codefit stores and passes between layers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """An immutable, JSON-serialisable value."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Options(BaseModel):
    """Kind-specific options of a plug-in; unknown keys are configuration errors."""

    model_config = ConfigDict(extra="forbid")
