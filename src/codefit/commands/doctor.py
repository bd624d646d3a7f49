"""`codefit doctor`: run every check and print one line per finding; exit 1 when any is a problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codefit.doctor import DoctorContext, Level, run_checks

console = Console(highlight=False)


def doctor_command(
    path: Annotated[Path, typer.Argument(help="Repository to check.")] = Path("."),
    config: Annotated[Path | None, typer.Option(help="Config file (default: codefit.toml).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check the machine, the repository and the config before a run; print how to fix each problem."""
    findings = run_checks(DoctorContext(repo=path.resolve(), config=config))
    if as_json:
        print(json.dumps([{**f.__dict__, "level": f.level.value} for f in findings], indent=2))
    else:
        marks = {Level.OK: "ok     ", Level.WARN: "warn   ", Level.PROBLEM: "PROBLEM"}
        for f in findings:
            line = f"{marks[f.level]} {f.check}: {f.message}"
            console.print(line + (f" -> {f.fix}" if f.fix and f.level != Level.OK else ""), markup=False)
    raise typer.Exit(1 if any(f.level == Level.PROBLEM for f in findings) else 0)
