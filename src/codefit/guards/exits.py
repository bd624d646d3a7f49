"""Exit tricks: leaving the process before the assertions run, or hijacking its end."""

from __future__ import annotations

import ast
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.names import Names
from codefit.guards.source import Hit, added_hits, alert, hit, python_files, under_main_guard

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


def exit_calls(tree: ast.Module | None, text: str | None) -> list[Hit]:
    if tree is None:
        return []
    scripted = under_main_guard(tree)
    names = Names(tree)
    hits = []
    for node in ast.walk(tree):
        if id(node) in scripted:
            continue
        if isinstance(node, ast.Call):
            name = names.qualified(node.func)
            if name in HARD or name in SOFT:
                hits.append(hit(name, node, text))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            raised = names.qualified(exc).removeprefix("builtins.")
            if raised in RAISED:
                hits.append(hit(f"raise {raised}", node, text))
    return hits


class ExitGuard:
    name = "exit"
    kinds: ClassVar[tuple[str, ...]] = ("hard_exit", "exit_call")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for f in python_files(change):
            for h in added_hits(f, exit_calls):
                if h.key in HARD:
                    message = f"{h.key}() ends the process before tests can report: {h.snippet}"
                    alerts.append(alert(self.name, "hard_exit", Severity.BLOCK, message, f.rel, h))
                else:
                    message = f"{h.key} added in code reached by tests: {h.snippet}"
                    alerts.append(alert(self.name, "exit_call", Severity.WARN, message, f.rel, h))
        return alerts
