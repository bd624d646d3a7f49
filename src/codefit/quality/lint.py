"""Linter and type-checker outputs as findings, and a score from their density in the code.

Parsers take the tool's raw output text and the tree it ran on; they never raise on output they
do not understand (a crash banner, a truncated line): such lines are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from codefit.quality.sources import discover, load
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorSettings, clip_output
from codefit.sensors.process import Completed

_MYPY_TEXT = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:\d+:)? (?P<severity>error|warning|note): (?P<msg>.*)$"
)


class LintOptions(Options):
    """Keys shared by the `ruff`, `mypy` and `pyright` sensors."""

    paths: list[str] = Field(
        default_factory=list, description="What to check; default `src` if the tree has one, else `.`."
    )
    args: list[str] = Field(default_factory=list, description="Extra arguments passed to the tool.")
    max_findings: int = Field(default=0, ge=0, description="Findings allowed before the reading fails.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds before the tool is killed.")

    def checked_paths(self, tree: Path) -> list[str]:
        if self.paths:
            return list(self.paths)
        return ["src"] if (tree / "src").is_dir() else ["."]


def relative(path: str, tree: Path) -> str:
    """A tool's file name as a path relative to the tree (tools print absolute or relative)."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(tree.resolve()).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix()


def ruff_findings(output: str, tree: Path) -> list[Finding]:
    """`ruff check --output-format json`: a list of {code, message, filename, location{row, column}}."""
    data = _json(output)
    items = data if isinstance(data, list) else []
    return [
        Finding(
            path=relative(str(item.get("filename", "")), tree),
            line=_int(item.get("location", {}).get("row")),
            rule=str(item.get("code") or item.get("name") or ""),
            message=str(item.get("message", "")),
            severity="error" if item.get("code") == "invalid-syntax" else "warn",
        )
        for item in items
        if isinstance(item, dict)
    ]


def mypy_findings(output: str, tree: Path) -> list[Finding]:
    """`mypy -O json`: one JSON object a line; older mypy prints syntax errors as `file:line: error:`."""
    findings = []
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            item = _json(line)
            if isinstance(item, dict) and "file" in item:
                findings.append(
                    Finding(
                        path=relative(str(item["file"]), tree),
                        line=_int(item.get("line")),
                        rule=str(item.get("code") or ""),
                        message=str(item.get("message", "")),
                        severity=str(item.get("severity") or "error"),
                    )
                )
            continue
        match = _MYPY_TEXT.match(line)
        if match and match["severity"] != "note":
            findings.append(
                Finding(
                    path=relative(match["file"], tree),
                    line=int(match["line"]),
                    rule="syntax" if "syntax" in match["msg"].lower() else "",
                    message=match["msg"],
                    severity=match["severity"],
                )
            )
    return [f for f in findings if f.severity != "note"]


def pyright_findings(output: str, tree: Path) -> list[Finding]:
    """`pyright --outputjson`: generalDiagnostics[{file, severity, message, range{start{line}}, rule}].

    Pyright's lines are 0-based; findings are 1-based like every other tool's.
    """
    data = _json(output)
    diagnostics = data.get("generalDiagnostics", []) if isinstance(data, dict) else []
    findings = []
    for item in diagnostics:
        if not isinstance(item, dict) or item.get("severity") == "information":
            continue
        start = _int(item.get("range", {}).get("start", {}).get("line"))
        findings.append(
            Finding(
                path=relative(str(item.get("file", "")), tree),
                line=None if start is None else start + 1,
                rule=str(item.get("rule") or ""),
                message=str(item.get("message", "")),
                severity=str(item.get("severity") or "error"),
            )
        )
    return findings


def density_score(findings: int, sloc: int) -> float:
    """1 with no findings, 0.5 at one finding per 100 lines of code, towards 0 beyond."""
    per_hundred = findings * 100 / max(sloc, 1)
    return 1.0 / (1.0 + per_hundred)


def tree_sloc(tree: Path, paths: Sequence[str]) -> int:
    """Source lines of code of the .py files under `paths` of the tree (all of it when empty)."""
    files = discover(tree, [p for p in paths if (tree / p).exists()], exclude=())
    sources, _ = load(tree, files)
    return sum(s.sloc for s in sources)


def lint_reading(
    settings: SensorSettings,
    tool: str,
    findings: Sequence[Finding],
    sloc: int,
    completed: Completed,
    *,
    max_findings: int,
    tool_failed: bool,
    detail: str,
) -> Reading:
    """A linter's Reading: passes with at most `max_findings` findings; scored by their density.

    A timeout, or an exit status the caller judged a failure of the tool itself (`tool_failed`), is
    an error shown with `detail` (the part of the tool's output that explains it)."""
    error = None
    if completed.timed_out:
        error = f"{tool} timed out"
    elif tool_failed:
        error = f"{tool} failed with exit status {completed.returncode}: {detail.strip()[:500]}"
    failed = len(findings)
    return Reading(
        sensor=settings.name,
        split=settings.split,
        score=0.0 if error else density_score(failed, sloc),
        passed=error is None and failed <= max_findings,
        counts=Counts(total=failed, failed=failed),
        duration_s=completed.duration_s,
        findings=tuple(findings),
        output=clip_output(detail if error else ""),
        metrics={f"{tool}_findings": float(failed), f"{tool}_per_100_sloc": failed * 100 / max(sloc, 1)},
        error=error,
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        start = text.find("[") if text.lstrip().startswith("[") else text.find("{")
        if start > 0:
            try:
                return json.loads(text[start:])
            except (json.JSONDecodeError, ValueError):
                return None
        return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None
