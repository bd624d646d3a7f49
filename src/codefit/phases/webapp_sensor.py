"""The `webapp` sensor: start the app with its declared command, then check it over HTTP and in a
real headless Chromium (driven by Playwright), all inside codefit's sandbox.

The app and the driver (webapp_driver.py) run in one confined process tree: the network namespace
has only loopback, so the browser must sit beside the app. Score: the share of checks that passed.
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from codefit.extras import require
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorContext, SensorSettings, clip_output

DRIVER = "codefit.phases.webapp_driver"
NEEDS = {
    "goto": ("path",),
    "fill": ("selector", "value"),
    "click": ("selector",),
    "press": ("selector", "value"),
    "expect_text": ("selector", "value"),
    "expect_count": ("selector", "value"),
}


class HttpCheck(BaseModel):
    """One request and what its response must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str = Field(default="GET", description="HTTP method.")
    path: str = Field(pattern=r"^/", description="Path on the app, from its root.")
    json_body: Any = Field(default=None, alias="json", description="A JSON request body.")
    status: int | None = Field(default=200, description="The status expected (none: any).")
    contains: list[str] = Field(default_factory=list, description="Strings the body must contain.")


class BrowserStep(BaseModel):
    """One browser action or expectation, run in order in one page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["goto", "fill", "click", "press", "expect_text", "expect_count"]
    path: str | None = Field(default=None, description="goto: the path to open.")
    selector: str | None = Field(default=None, description="A CSS selector.")
    value: str | None = Field(default=None, description="Text to type or key to press or expect.")

    @model_validator(mode="after")
    def _has_what_it_needs(self) -> BrowserStep:
        missing = [k for k in NEEDS[self.action] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.action!r} step needs {' and '.join(missing)}")
        return self


class WebAppOptions(Options):
    command: str = Field(description="Starts the app at the tree's root; {port} is its port.")
    ready_path: str = Field(default="/", pattern=r"^/", description="Polled until it answers.")
    ready_timeout: float = Field(default=20.0, gt=0, description="Seconds the app may take to answer.")
    http: list[HttpCheck] = Field(default_factory=list, description="HTTP checks.")
    browser: list[BrowserStep] = Field(default_factory=list, description="Steps in headless Chromium.")
    chromium: Path = Field(default=Path("/usr/bin/chromium"), description="The Chromium executable.")
    timeout: float = Field(default=180.0, gt=0, description="Seconds for the whole reading.")

    @model_validator(mode="after")
    def _has_checks(self) -> WebAppOptions:
        if not self.http and not self.browser:
            raise ValueError("a webapp sensor needs `http` checks or `browser` steps")
        return self


class WebAppSensor:
    options_model: ClassVar[type[Options]] = WebAppOptions

    def __init__(self, settings: SensorSettings, options: WebAppOptions) -> None:
        self.settings = settings
        self.options = options
        if options.browser:
            require("the webapp sensor's browser steps", "playwright")

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        nonce = secrets.token_hex(16)
        plan = {
            "nonce": nonce,
            "command": self.options.command,
            "ready_path": self.options.ready_path,
            "ready_timeout": self.options.ready_timeout,
            "http": [c.model_dump(by_alias=True) for c in self.options.http],
            "browser": [s.model_dump() for s in self.options.browser],
            "chromium": str(self.options.chromium),
        }
        env = {**ctx.env, "CODEFIT_PYTHON": ctx.python}
        # codefit's own interpreter runs the driver (it has Playwright); the app's command runs
        # the code under test, usually through $CODEFIT_PYTHON.
        done = ctx.run(
            [sys.executable, "-m", DRIVER],
            tree,
            env=env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
            stdin_text=json.dumps(plan),
        )
        result = _result(done.output, nonce)
        if result is None:
            why = "timed out" if done.timed_out else f"exited with status {done.returncode}"
            return self._broken(f"the webapp driver {why}", done.output, done.duration_s)
        return self._reading(result, done.duration_s)

    def _reading(self, result: dict[str, Any], duration_s: float) -> Reading:
        names = [f"http {c.method} {c.path}" for c in self.options.http]
        names += [f"browser step {i + 1} ({s.action})" for i, s in enumerate(self.options.browser)]
        if result["ready"]:
            errors: list[str | None] = [f"not run: {result['ready']}"] * len(names)
        else:
            errors = [*result["http"], *result["browser"]]
        findings = tuple(
            Finding(path=self.settings.name, message=f"{name}: {error}", rule="webapp", severity="error")
            for name, error in zip(names, errors, strict=True)
            if error
        )
        failed = len(findings)
        passed = len(names) - failed
        output = "\n".join(f.message for f in findings)
        if result["ready"] or failed:
            output += "\n--- app output ---\n" + result["app_output"]
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=passed / len(names),
            passed=failed == 0,
            counts=Counts(total=len(names), passed=passed, failed=failed),
            duration_s=duration_s,
            findings=findings,
            output=clip_output(output.strip()),
            error=result["ready"],
        )

    def _broken(self, message: str, output: str, duration_s: float) -> Reading:
        total = len(self.options.http) + len(self.options.browser)
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=0.0,
            passed=False,
            counts=Counts(total=total, failed=total),
            duration_s=duration_s,
            output=clip_output(output),
            error=message,
        )


def _result(output: str, nonce: str) -> dict[str, Any] | None:
    """The driver's result line: the last one that starts with this reading's nonce."""
    for line in reversed(output.splitlines()):
        if line.startswith(nonce + " "):
            found: dict[str, Any] = json.loads(line[len(nonce) + 1 :])
            return found
    return None
