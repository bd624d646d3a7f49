"""`codefit doctor`: checks that say, before a run, what would go wrong and how to fix it.

A check is a function of the repository (and its config, when there is one) that returns
findings; each finding is one line: what is wrong (or fine) and the fix. Checks register by name
in `CHECKS` (module:function, imported lazily), one module per area, so `fit`'s preflight and
`codefit doctor` run the same code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: `message` says what is so, `fix` what to do about it."""

    check: str
    level: Level
    message: str
    fix: str = ""


@dataclass(frozen=True)
class DoctorContext:
    """What a check may look at: the repository and, when it loads, its config file."""

    repo: Path
    config: Path | None = None


Check = Callable[[DoctorContext], Iterable[Finding]]

# Built-in checks by area, as "module:function"; each module owns its area.
CHECKS: dict[str, str] = {
    "sandbox": "codefit.doctor.sandbox:check_sandbox",
    "processes": "codefit.doctor.processes:check_processes",
    "agents": "codefit.doctor.agents:check_agents",
    "project": "codefit.doctor.project:check_project",
}


def run_checks(ctx: DoctorContext, names: Iterable[str] | None = None) -> list[Finding]:
    """Every named check's findings (all checks by default), in registration order."""
    findings: list[Finding] = []
    for name in names if names is not None else CHECKS:
        module_name, _, attr = CHECKS[name].partition(":")
        check: Check = getattr(importlib.import_module(module_name), attr)
        findings.extend(check(ctx))
    return findings
