"""Exit tricks: leaving the process before the assertions run, or hijacking its end."""

from __future__ import annotations

import ast
import tomllib
from pathlib import PurePosixPath
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.names import names_of
from codefit.guards.source import Hit, added_hits, alert, hit, judged_as_test, python_files, under_main_guard

# Calls that end or signal the process: hard exits are never legitimate in code under test.
# Names are resolved through imports (`import os as o; o._exit`); `_exit` alone is a star import.
HARD = frozenset(
    {"os._exit", "posix._exit", "_exit", "os.abort", "os.kill", "os.killpg", "signal.raise_signal"}
)
SOFT = frozenset(
    {
        "sys.exit",
        "exit",
        "quit",
        "builtins.exit",
        "atexit.register",
        "signal.signal",
        "signal.setitimer",
        "signal.alarm",
        "faulthandler.enable",
    }
)
RAISED = frozenset({"SystemExit", "KeyboardInterrupt", "GeneratorExit"})
# Outcomes of the test runner raised from code under test: a failing test becomes a skip or an xfail.
OUTCOMES = frozenset(
    {
        "pytest.skip",
        "pytest.xfail",
        "pytest.exit",
        "pytest.importorskip",
        "pytest.skip.Exception",
        "pytest.xfail.Exception",
        "pytest.exit.Exception",
        "unittest.SkipTest",
        "unittest.case.SkipTest",
        "SkipTest",
        "_pytest.outcomes.skip",
        "_pytest.outcomes.Skipped",
        "_pytest.outcomes.XFailed",
        "_pytest.outcomes.Exit",
        "_pytest.outcomes.OutcomeException",
    }
)
SOFT_EXITS = frozenset({"sys.exit", "exit", "quit", "builtins.exit", "raise SystemExit"})


def exit_calls(tree: ast.Module | None, text: str | None) -> list[Hit]:
    if tree is None:
        return []
    scripted = under_main_guard(tree)
    names = names_of(tree)
    hits = []
    for node in walk(tree):
        if id(node) in scripted:
            continue
        if isinstance(node, ast.Call):
            name = names.qualified(node.func)
            if name in HARD or name in SOFT:
                hits.append(hit(name, node, text))
            elif name in OUTCOMES:
                hits.append(hit(f"outcome:{name}", node, text))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            raised = names.qualified(exc).removeprefix("builtins.")
            if raised in RAISED:
                hits.append(hit(f"raise {raised}", node, text))
            elif raised in OUTCOMES:
                hits.append(hit(f"outcome:raise {raised}", node, text))
    return hits


def entry_points(tree: ast.Module | None, rel: str, scripts: set[str]) -> set[int]:
    """ids of the nodes inside console-script entry points: `__main__.py`, and the functions
    `[project.scripts]` names (`pkg.cli:main`). `sys.exit(main())` there is how a CLI ends."""
    if tree is None:
        return set()
    path = PurePosixPath(rel)
    if path.name == "__main__.py":
        return {id(n) for n in walk(tree)}
    module = ".".join((path.parent / path.stem).parts)
    inside: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
            module.endswith(m) and f == node.name for m, f in (s.split(":", 1) for s in scripts if ":" in s)
        ):
            inside.update(id(n) for n in ast.walk(node))
    return inside


def _inside(tree: ast.Module | None, line: int, entry: set[int]) -> bool:
    return tree is not None and any(id(n) in entry for n in walk(tree) if getattr(n, "lineno", 0) == line)


def console_scripts(change: Change) -> set[str]:
    """The `module:function` targets of `[project.scripts]` / `[project.gui-scripts]` in pyproject.toml."""
    path = change.tree / "pyproject.toml"
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return set()
    out: set[str] = set()
    for table in ("scripts", "gui-scripts"):
        entries = project.get(table, {})
        if isinstance(entries, dict):
            out |= {v.split("[")[0].strip() for v in entries.values() if isinstance(v, str)}
    return out


class ExitGuard:
    name = "exit"
    kinds: ClassVar[tuple[str, ...]] = ("hard_exit", "exit_call", "skip_in_code")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        scripts = console_scripts(change)
        for f in python_files(change):
            entry = entry_points(f.after, f.rel, scripts)
            for h in added_hits(f, exit_calls):
                if h.key.startswith("outcome:"):
                    if judged_as_test(change, f.rel):
                        continue  # the tests guard judges skips in tests
                    message = f"code under test raises a test outcome (a failure becomes a skip): {h.snippet}"
                    alerts.append(alert(self.name, "skip_in_code", Severity.BLOCK, message, f.rel, h))
                elif h.key in SOFT_EXITS and _inside(f.after, h.line, entry):
                    continue  # `sys.exit(main())` in a console-script entry point
                elif h.key in HARD:
                    message = f"{h.key}() ends the process before tests can report: {h.snippet}"
                    alerts.append(alert(self.name, "hard_exit", Severity.BLOCK, message, f.rel, h))
                else:
                    message = f"{h.key} added in code reached by tests: {h.snippet}"
                    alerts.append(alert(self.name, "exit_call", Severity.WARN, message, f.rel, h))
        return alerts
