"""The `artifact` sensor: a file the optimizer must write (a plan, a spec), and a check on it.

Passes when the file exists, is not empty, and the declared check (a shell command run confined
at the tree's root, `{artifact}` standing for the file's path) exits 0.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorContext, SensorSettings, clip_output


class ArtifactOptions(Options):
    artifact: str = Field(description="The file's path, relative to the tree's root.")
    check: str | None = Field(default=None, description="Shell command that must exit 0; {artifact}.")
    timeout: float = Field(default=120.0, gt=0, description="Seconds the check may take.")

    @field_validator("artifact")
    @classmethod
    def _relative(cls, value: str) -> str:
        path = Path(value)
        if path.is_absolute() or ".." in path.parts or not value.strip():
            raise ValueError(f"must be a path inside the tree, got {value!r}")
        return value


class ArtifactSensor:
    options_model: ClassVar[type[Options]] = ArtifactOptions

    def __init__(self, settings: SensorSettings, options: ArtifactOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        path = tree / self.options.artifact
        if path.is_symlink() or not path.is_file() or path.stat().st_size == 0:
            return self._reading(False, f"{self.options.artifact} was not written (or is empty)")
        if self.options.check is None:
            return self._reading(True, "")
        command = self.options.check.replace("{artifact}", shlex.quote(self.options.artifact))
        done = ctx.run(
            ["/bin/sh", "-c", command],
            tree,
            env={**ctx.env, "CODEFIT_PYTHON": ctx.python},
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )
        if done.returncode == 0:
            return self._reading(True, clip_output(done.output), done.duration_s)
        why = "timed out" if done.timed_out else f"exited with status {done.returncode}"
        message = f"the check on {self.options.artifact} {why}: {command}\n{clip_output(done.output)}"
        return self._reading(False, message.strip(), done.duration_s)

    def _reading(self, passed: bool, message: str, duration_s: float = 0.0) -> Reading:
        findings = () if passed else (Finding(path=self.options.artifact, message=message, rule="artifact"),)
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=1.0 if passed else 0.0,
            passed=passed,
            counts=Counts(total=1, passed=int(passed), failed=int(not passed)),
            duration_s=duration_s,
            findings=findings,
            output=message,
        )
