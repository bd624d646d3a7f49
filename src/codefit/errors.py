"""One hierarchy for every user-facing error: each carries what went wrong and where.

Only `cli.py` turns these into a message and an exit code.
"""

from __future__ import annotations


class CodefitError(Exception):
    """A problem the user can fix: bad input, a missing tool, a broken configuration."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ConfigError(CodefitError):
    """The configuration is missing, malformed or names something that does not exist."""


class WorkspaceError(CodefitError):
    """The repository or the isolated workspace cannot be used as asked."""


class SensorError(CodefitError):
    """A sensor is misconfigured (never raised for a failing codebase: that is a reading)."""


class OptimizerError(CodefitError):
    """An optimizer cannot be built or started (a failing step is recorded, not raised)."""


class StoreError(CodefitError):
    """The trajectory store cannot be read or does not hold what was asked for."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C inside a run made of runs (a checkpoint series, a phased run); `hint` names what to
    resume, which is not the inner run the interrupt landed in."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint
