"""Always-equal objects: comparison overloads that ignore what they are compared with."""

from __future__ import annotations

import ast
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.source import Hit, added_hits, alert, dotted, hit, is_test_file, python_files

COMPARISONS = frozenset({"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__"})
BUILTINS = frozenset(
    {"str", "int", "float", "bytes", "list", "dict", "tuple", "set", "frozenset", "bool", "complex"}
)
WILDCARDS = frozenset({"mock.ANY", "unittest.mock.ANY", "ANY"})


def _ignores_other(args: ast.arguments, body: list[ast.stmt] | ast.expr) -> bool:
    params = [a.arg for a in [*args.posonlyargs, *args.args]]
    if len(params) < 2:
        return True
    other = params[1]
    nodes = [body] if isinstance(body, ast.expr) else body
    used = {n.id for stmt in nodes for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    return other not in used


def equality_tricks(tree: ast.Module | None, text: str | None) -> list[Hit]:
    if tree is None:
        return []
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {dotted(b) for b in node.bases}
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name in COMPARISONS:
                    if _ignores_other(item.args, item.body):
                        hits.append(hit(f"const:{node.name}.{item.name}", item, text))
                    elif bases & BUILTINS:
                        hits.append(hit(f"builtin:{node.name}.{item.name}", item, text))
                elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Lambda):
                    names = {dotted(t) for t in item.targets}
                    if names & COMPARISONS and _ignores_other(item.value.args, item.value.body):
                        hits.append(hit(f"const:{node.name}.{sorted(names & COMPARISONS)[0]}", item, text))
        elif isinstance(node, ast.Attribute | ast.Name) and dotted(node) in WILDCARDS:
            hits.append(hit(f"any:{dotted(node)}", node, text))
    return hits


class AlwaysEqualGuard:
    name = "always_equal"
    kinds: ClassVar[tuple[str, ...]] = ("always_equal", "builtin_comparison", "wildcard_value")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for f in python_files(change):
            if is_test_file(f.rel):
                continue  # tests may build their own matchers
            for h in added_hits(f, equality_tricks):
                kind, _, what = h.key.partition(":")
                if kind == "const":
                    message = f"{what} ignores its argument: the object compares the same to anything"
                    alerts.append(alert(self.name, "always_equal", Severity.BLOCK, message, f.rel, h))
                elif kind == "builtin":
                    message = f"{what} overrides comparison on a built-in subclass returned to tests"
                    alerts.append(alert(self.name, "builtin_comparison", Severity.WARN, message, f.rel, h))
                else:
                    message = f"{what} in code under test matches any expected value"
                    alerts.append(alert(self.name, "wildcard_value", Severity.BLOCK, message, f.rel, h))
        return alerts
