"""The `command` sensor: any shell command; its exit code decides pass or fail."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.records import Options
from codefit.sensors.base import Counts, Reading, SensorContext, SensorSettings, clip_output


class CommandOptions(Options):
    command: str = Field(description="Shell command run at the tree's root.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds before it is killed.")


class CommandSensor:
    options_model: ClassVar[type[Options]] = CommandOptions

    def __init__(self, settings: SensorSettings, options: CommandOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        env = dict(ctx.env)
        env["CODEFIT_PYTHON"] = ctx.python
        completed = ctx.run(
            ["/bin/sh", "-c", self.options.command],
            tree,
            env=env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )
        passed = completed.returncode == 0
        error = f"timed out after {completed.duration_s:.1f}s" if completed.timed_out else None
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=1.0 if passed else 0.0,
            passed=passed,
            counts=Counts(total=1, passed=int(passed), failed=int(not passed)),
            duration_s=completed.duration_s,
            output=clip_output(completed.output),
            metrics={"exit_code": float(completed.returncode if completed.returncode is not None else -1)},
            error=error,
        )
