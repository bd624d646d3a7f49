"""Always-equal objects: comparison overloads whose answer does not depend on what they are compared with.

A comparison depends on its argument when the argument (or a local computed from it) reaches a
returned value or a branch condition. Tautologies do not count as uses: `other is other`,
`x == x`, `isinstance(other, object)`, `... or True` have one answer whatever `other` is.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.names import Names, folded
from codefit.guards.source import Hit, added_hits, alert, dotted, hit, is_test_file, python_files

COMPARISONS = frozenset({"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__"})
BUILTINS = frozenset(
    {"str", "int", "float", "bytes", "list", "dict", "tuple", "set", "frozenset", "bool", "complex"}
)
WILDCARDS = frozenset({"mock.ANY", "unittest.mock.ANY", "ANY"})
Body = list[ast.stmt] | ast.expr


def _constant(node: ast.AST) -> bool:
    """An expression with one value whatever its names hold."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return ast.dump(node.left) == ast.dump(node.comparators[0])  # x is x, x == x, x < x
    if isinstance(node, ast.BoolOp):
        decisive = isinstance(node.op, ast.Or)  # `... or True` is True, `... and False` is False
        return any(isinstance(v, ast.Constant) and bool(v.value) is decisive for v in node.values) or all(
            _constant(v) for v in node.values
        )
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    if isinstance(node, ast.Call) and dotted(node.func) == "isinstance" and len(node.args) == 2:
        return dotted(node.args[1]) in ("object", "builtins.object")
    return False


def _uses(node: ast.AST, names: set[str]) -> bool:
    """Whether `node` reads one of `names` outside constant sub-expressions."""
    stack = [node]
    while stack:
        current = stack.pop()
        if _constant(current):
            continue
        if isinstance(current, ast.Name) and current.id in names:
            return True
        stack.extend(ast.iter_child_nodes(current))
    return False


def _assigned(node: ast.AST) -> tuple[ast.AST | None, list[ast.AST]]:
    """(value, targets) of a statement or expression that binds names."""
    if isinstance(node, ast.Assign):
        return node.value, list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
        return node.value, [node.target]
    if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
        return node.iter, [node.target]
    return None, []


def depends_on_argument(args: ast.arguments, body: Body) -> bool:
    """Whether the comparison's result can change with its argument (the one after `self`)."""
    params = [a.arg for a in [*args.posonlyargs, *args.args]]
    other = params[1] if len(params) >= 2 else (args.vararg.arg if args.vararg else None)
    if other is None:
        return False
    if isinstance(body, ast.expr):
        return _uses(body, {other})
    nodes = [n for stmt in body for n in ast.walk(stmt)]
    derived = {other}
    grew = True
    while grew:  # locals computed from the argument carry it along
        grew = False
        for node in nodes:
            value, targets = _assigned(node)
            if value is None or not _uses(value, derived):
                continue
            for target in targets:
                for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
                    if name not in derived:
                        derived.add(name)
                        grew = True
    for node in nodes:
        if isinstance(node, ast.Return) and node.value is not None and _uses(node.value, derived):
            return True
        if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert) and _uses(node.test, derived):
            return True
        if isinstance(node, ast.Match) and _uses(node.subject, derived):
            return True
    return False


def _lambdas(node: ast.AST, names: Names) -> list[tuple[str, ast.Lambda]]:
    """(dunder, lambda) pairs bound outside a class body: `C.__eq__ = lambda...`, setattr, type()."""
    out: list[tuple[str, ast.Lambda]] = []
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
        out += [(t.attr, node.value) for t in node.targets if isinstance(t, ast.Attribute)]
    elif isinstance(node, ast.Call) and names.qualified(node.func) == "setattr" and len(node.args) == 3:
        if isinstance(node.args[2], ast.Lambda) and (attr := folded(node.args[1])):
            out.append((attr, node.args[2]))
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(value, ast.Lambda) and (attr := folded(key)):
                out.append((attr, value))
    return [(name, fn) for name, fn in out if name in COMPARISONS]


def equality_tricks(tree: ast.Module | None, text: str | None) -> list[Hit]:
    if tree is None:
        return []
    names = Names(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {dotted(b) for b in node.bases}
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name in COMPARISONS:
                    if not depends_on_argument(item.args, item.body):
                        hits.append(hit(f"const:{node.name}.{item.name}", item, text))
                    elif bases & BUILTINS:
                        hits.append(hit(f"builtin:{node.name}.{item.name}", item, text))
                elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Lambda):
                    dunders = {dotted(t) for t in item.targets} & COMPARISONS
                    if dunders and not depends_on_argument(item.value.args, item.value.body):
                        hits.append(hit(f"const:{node.name}.{sorted(dunders)[0]}", item, text))
        elif (
            isinstance(node, ast.Attribute | ast.Name)
            and isinstance(node.ctx, ast.Load)
            and names.qualified(node) in WILDCARDS
        ):
            hits.append(hit(f"any:{names.qualified(node)}", node, text))
        for dunder, fn in _lambdas(node, names):
            if not depends_on_argument(fn.args, fn.body):
                hits.append(hit(f"const:{dunder}", node, text))
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
                    message = f"{what} gives one answer whatever it is compared with"
                    alerts.append(alert(self.name, "always_equal", Severity.BLOCK, message, f.rel, h))
                elif kind == "builtin":
                    message = f"{what} overrides comparison on a built-in subclass returned to tests"
                    alerts.append(alert(self.name, "builtin_comparison", Severity.WARN, message, f.rel, h))
                else:
                    message = f"{what} in code under test matches any expected value"
                    alerts.append(alert(self.name, "wildcard_value", Severity.BLOCK, message, f.rel, h))
        return alerts
