"""CrossHair's symbolic check of the icontract contracts of the functions a candidate changed.

Used by the `runtime_contracts` sensor when its `crosshair` table is set: the functions (and
methods) whose code differs from the base tree's, or all of them without a base tree, are checked
by `python -m crosshair check --analysis_kind=icontract`, confined like the tests, within a time
budget. Each counterexample CrossHair reports is a `crosshair` finding at the contract.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from codefit import pysource
from codefit.records import Options
from codefit.sensors.base import Finding, SensorContext
from codefit.testfiles import is_test_code

REPORT = re.compile(r"^(?P<path>[^\n:]+):(?P<line>\d+): error: (?P<message>.+)$", re.MULTILINE)
# Tests are not checked: their folders, test modules and conftest.py.
SKIPPED_DIRS = frozenset(
    {".git", ".venv", "venv", "__pycache__", "node_modules", ".tox", ".nox", "tests", "test"}
)


class CrosshairSettings(Options):
    """`crosshair = { ... }` of a runtime_contracts sensor."""

    include: list[str] = Field(default_factory=lambda: ["."], description="Folders or files to look in.")
    timeout: float = Field(default=60.0, gt=0, description="Seconds for the whole symbolic check.")
    per_condition_timeout: float = Field(default=5.0, gt=0, description="Seconds per contract.")


def changed_functions(tree: Path, base: Path | None, include: list[str]) -> list[str]:
    """`path:line` of each function or method (its `def` line) whose code differs from `base`'s
    function of the same qualified name in the same file; every one when there is no base. Test
    files are left out."""
    targets: list[str] = []
    for path in _python_files(tree, include):
        rel = path.relative_to(tree).as_posix()
        mine = _functions(path)
        theirs = _functions(base / rel) if base is not None and (base / rel).is_file() else {}
        targets += [
            f"{rel}:{line}" for name, (line, dump) in mine.items() if theirs.get(name, (0, ""))[1] != dump
        ]
    return targets


def check(
    tree: Path, ctx: SensorContext, targets: list[str], settings: CrosshairSettings
) -> tuple[list[Finding], str]:
    """CrossHair's counterexamples on `targets`, and its output (for a missing module or a timeout)."""
    if not targets:
        return [], ""
    argv = [
        ctx.python,
        "-m",
        "crosshair",
        "check",
        "--analysis_kind=icontract",
        f"--per_condition_timeout={settings.per_condition_timeout}",
        *targets,
    ]
    completed = ctx.run(argv, tree, timeout_s=min(settings.timeout, ctx.timeout_s))
    roots = (str(tree.resolve()), str(tree))
    findings = [
        Finding(
            path=relative_path(m["path"], roots),
            line=int(m["line"]),
            message=f"CrossHair: {m['message']}",
            rule="crosshair",
            severity="error",
        )
        for m in REPORT.finditer(completed.stdout)
    ]
    note = f"CrossHair stopped at its time budget ({settings.timeout:.0f}s)" if completed.timed_out else ""
    return findings, note or completed.stderr


def _python_files(tree: Path, include: list[str]) -> list[Path]:
    found: list[Path] = []
    for entry in include:
        root = tree / entry
        candidates = [root] if root.is_file() else sorted(root.rglob("*.py")) if root.is_dir() else []
        found += [
            p
            for p in candidates
            if p.suffix == ".py"
            and not is_test_code(p.relative_to(tree).as_posix())
            and not SKIPPED_DIRS & set(p.relative_to(tree).parts)
        ]
    return sorted(set(found))


def _functions(path: Path) -> dict[str, tuple[int, str]]:
    """{qualified name: (def line, the function's AST without positions)} of a Python file."""
    try:
        module = pysource.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return {}
    out: dict[str, tuple[int, str]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                out[name] = (child.lineno, ast.dump(child, include_attributes=False))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(module, "")
    return out


def relative_path(path: str, roots: Sequence[str]) -> str:
    """`path` relative to the first of `roots` it lies in (the tree, as the confined run saw it)."""
    for root in roots:
        if path.startswith(root.rstrip("/") + "/"):
            return path[len(root.rstrip("/")) + 1 :]
    return path
