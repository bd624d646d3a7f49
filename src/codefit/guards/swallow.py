"""Swallowing: broad `except` (bare, Exception, BaseException) that hides the failure instead of fixing it."""

from __future__ import annotations

import ast
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.source import Hit, added_hits, alert, dotted, hit, python_files, qualnames
from codefit.testfiles import is_test_file

BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def _broad(expr: ast.expr | None) -> bool:
    if expr is None:
        return True
    names = expr.elts if isinstance(expr, ast.Tuple) else [expr]
    return any(dotted(n) in BROAD for n in names)


# A handler that logs at warning level or above, or warns, tells someone: it does not hide the error.
REPORTING = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})


def _reports(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr in REPORTING:
        return True
    # `logger.log(logging.WARNING, ...)`
    return (
        node.func.attr == "log"
        and bool(node.args)
        and dotted(node.args[0]).split(".")[-1]
        in {
            "WARNING",
            "WARN",
            "ERROR",
            "CRITICAL",
            "FATAL",
        }
    )


def swallowers(tree: ast.Module | None, text: str | None) -> list[Hit]:
    """Broad handlers that do not re-raise, and `suppress(Exception)`; keyed by enclosing function."""
    if tree is None:
        return []
    scopes = qualnames(tree)
    hits = []
    for node in walk(tree):
        if isinstance(node, ast.ExceptHandler) and _broad(node.type):
            if not any(isinstance(n, ast.Raise) or _reports(n) for stmt in node.body for n in ast.walk(stmt)):
                what = ast.unparse(node.type) if node.type else "bare"
                hits.append(hit(f"{scopes.get(id(node), '')}:except {what}", node, text))
        elif isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if not (isinstance(call, ast.Call) and dotted(call.func).endswith("suppress")):
                    continue
                if any(_broad(a) for a in call.args):
                    hits.append(hit(f"{scopes.get(id(node), '')}:suppress", node, text))
    return hits


class SwallowGuard:
    name = "swallow"
    kinds: ClassVar[tuple[str, ...]] = ("broad_except",)

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for f in python_files(change):
            if is_test_file(f.rel):
                continue
            for h in added_hits(f, swallowers):
                message = f"broad exception handler added without re-raising ({h.key}): errors are hidden"
                alerts.append(alert(self.name, "broad_except", Severity.WARN, message, f.rel, h))
        return alerts
