"""Always-equal objects: comparison overloads whose answer does not depend on what is compared.

A comparison depends on its argument when the argument (or a local computed from it) reaches a
returned value or a branch condition. Tautologies do not count as uses: `other is other`,
`x == x`, `isinstance(other, object)`, `... or True` have one answer whatever `other` is. It must
depend on the object itself too (`self`, `super()`, or its class by name): `isinstance(other, str)`
on a `str` subclass answers from the expected value's type alone, which every expected string has.
"""

from __future__ import annotations

import ast
import copy
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.names import IMPORTERS, Names, folded, names_of
from codefit.guards.source import Hit, added_hits, alert, dotted, hit, judged_as_test, python_files
from codefit.testfiles import is_test_file

COMPARISONS = frozenset({"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__"})
BUILTINS = frozenset(
    {"str", "int", "float", "bytes", "list", "dict", "tuple", "set", "frozenset", "bool", "complex"}
)
WILDCARDS = frozenset({"mock.ANY", "unittest.mock.ANY", "ANY"})
# Objects whose comparisons answer what they are told to: any of them in code under test is a matcher.
MOCK_ROOTS = frozenset({"mock", "unittest.mock", "pytest_mock"})
APPROX = frozenset({"pytest.approx", "approx"})
Body = list[ast.stmt] | ast.expr


def _constant(node: ast.AST) -> bool:
    """An expression with one value whatever its names hold."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return ast.dump(node.left) == ast.dump(node.comparators[0])  # x is x, x == x, x < x
    if isinstance(node, ast.BoolOp):
        decisive = isinstance(node.op, ast.Or)  # `... or True` is True, `... and False` is False
        return (
            any(isinstance(v, ast.Constant) and bool(v.value) is decisive for v in node.values)
            or all(_constant(v) for v in node.values)
            or _excluded_middle(node.values)
        )
    if isinstance(node, ast.IfExp):  # `True if other else True`
        return _constant(node.body) and ast.dump(node.body) == ast.dump(node.orelse)
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    if isinstance(node, ast.Call) and dotted(node.func) == "isinstance" and len(node.args) == 2:
        return dotted(node.args[1]) in ("object", "builtins.object")
    return False


def _truth(node: ast.expr) -> tuple[bool, str]:
    """(negated, operand) of a truth test: `not x` -> (True, x), `bool(x)` / `x` -> (False, x)."""
    negated = False
    while True:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            negated, node = not negated, node.operand
        elif isinstance(node, ast.Call) and dotted(node.func) == "bool" and len(node.args) == 1:
            node = node.args[0]
        else:
            return negated, ast.dump(node)


def _excluded_middle(values: list[ast.expr]) -> bool:
    """`x or not x`, `bool(o) or not o`: one answer whatever x is (in `and`: always false)."""
    seen = {_truth(v) for v in values}
    return any((not negated, operand) in seen for negated, operand in seen)


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


def _params(args: ast.arguments) -> list[str]:
    return [a.arg for a in [*args.posonlyargs, *args.args]]


def depends_on_argument(args: ast.arguments, body: Body) -> bool:
    """Whether the comparison's result can change with its argument (the one after `self`)."""
    params = _params(args)
    other = params[1] if len(params) >= 2 else (args.vararg.arg if args.vararg else None)
    return other is not None and _depends_on(body, other)


def depends_on_self(args: ast.arguments, body: Body, cls: str = "") -> bool:
    """Whether the comparison's result can change with the object compared: its first parameter,
    `super()` or its class `cls` by name (a sentinel equal to its own kind) reaches the answer."""
    params = _params(args)
    if not params:
        return False
    body = _with_self_named(body, params[0], cls)
    return _depends_on(body, params[0])


def _with_self_named(body: Body, self_name: str, cls: str) -> Body:
    """A copy of `body` in which `super()` and the class's own name read as the first parameter."""

    class Rename(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args:
                return ast.Name(self_name, ast.Load())
            return self.generic_visit(node)

        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Name(self_name, node.ctx) if cls and node.id == cls else node

    if isinstance(body, ast.expr):
        return Rename().visit(copy.deepcopy(body))  # type: ignore[no-any-return]
    return [Rename().visit(stmt) for stmt in copy.deepcopy(body)]


KIND_TESTS = frozenset({"isinstance", "issubclass", "type", "hasattr", "callable", "bool"})


def depends_on_value(args: ast.arguments, body: Body) -> bool:
    """Whether the argument reaches the answer beyond its kind: with its type tests (`isinstance`,
    `type(other)`, `hasattr`), its truth (`bool(other)`, `not other`) and `is None` read as
    constants, does the answer still change with it? A singleton's `other is Undefined` does;
    `isinstance(other, str)` has one answer for every string."""
    params = _params(args)
    if len(params) < 2:
        return False
    other = params[1]

    class KindOnly(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            if dotted(node.func) in KIND_TESTS and node.args and _uses(node.args[0], {other}):
                return ast.Constant(True)
            return self.generic_visit(node)

        def visit_Compare(self, node: ast.Compare) -> ast.AST:
            sides = [node.left, *node.comparators]
            if all(isinstance(o, ast.Is | ast.IsNot) for o in node.ops) and any(
                isinstance(s, ast.Constant) and s.value is None for s in sides
            ):
                return ast.Constant(True)
            return self.generic_visit(node)

        def truth(self, node: ast.expr) -> ast.expr:
            """A truth test of the bare argument (`if other:`, `return other`) reads its truth only."""
            if isinstance(node, ast.Name) and node.id == other:
                return ast.Constant(True)
            return node

        def generic_visit(self, node: ast.AST) -> ast.AST:
            if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
                node.test = self.truth(node.test)
            elif isinstance(node, ast.Return) and node.value is not None:
                node.value = self.truth(node.value)
            elif isinstance(node, ast.BoolOp):
                node.values = [self.truth(v) for v in node.values]
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                node.operand = self.truth(node.operand)
            return super().generic_visit(node)

        def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
            if node.attr == "__class__" and _uses(node.value, {other}):
                return ast.Constant(True)
            return self.generic_visit(node)

    fresh = copy.deepcopy(body)
    stripped = (
        KindOnly().visit(fresh) if isinstance(fresh, ast.expr) else [KindOnly().visit(s) for s in fresh]
    )
    return _depends_on(stripped, other)


def _depends_on(body: Body, name: str) -> bool:
    if isinstance(body, ast.expr):
        return _uses(body, {name})
    cut = _rebinding(body, name)
    if cut is None:
        return _depends(body, {name})
    # `other = self` / `del other` throws the argument away: only names derived before it carry it.
    carried = _derived(body[:cut], {name}) - {name}
    return bool(carried) and _depends(body[cut + 1 :], carried)


def _rebinding(body: list[ast.stmt], other: str) -> int | None:
    """Index of the last top-level statement that rebinds or deletes the argument without reading it."""
    for i in range(len(body) - 1, -1, -1):
        stmt = body[i]
        if isinstance(stmt, ast.Delete) and any(
            isinstance(t, ast.Name) and t.id == other for t in stmt.targets
        ):
            return i
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            rebinds = any(isinstance(n, ast.Name) and n.id == other for t in targets for n in ast.walk(t))
            if rebinds and not _uses(stmt.value, {other}):
                return i
    return None


def _derived(body: list[ast.stmt], names: set[str]) -> set[str]:
    """`names` and the locals computed from them (to a fixed point)."""
    nodes = [n for stmt in body for n in ast.walk(stmt)]
    derived = set(names)
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
    return derived


def _depends(body: list[ast.stmt], names: set[str]) -> bool:
    derived = _derived(body, names)
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, ast.Return) and node.value is not None and _uses(node.value, derived):
            return True
        if isinstance(node, ast.IfExp) and _constant(node):
            continue  # `True if other else True`
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
    names = names_of(tree)
    hits = []
    for node in walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {dotted(b) for b in node.bases}
            for item in node.body:
                builtin = bool(bases & BUILTINS)
                if isinstance(item, ast.FunctionDef) and item.name in COMPARISONS:
                    if kind := _trick(item.args, item.body, node.name, builtin):
                        hits.append(hit(f"{kind}:{node.name}.{item.name}", item, text))
                elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Lambda):
                    dunders = {dotted(t) for t in item.targets} & COMPARISONS
                    fn = item.value
                    if dunders and (kind := _trick(fn.args, fn.body, node.name, builtin, lambda_=True)):
                        hits.append(hit(f"{kind}:{node.name}.{sorted(dunders)[0]}", item, text))
        elif (
            isinstance(node, ast.Attribute | ast.Name)
            and isinstance(node.ctx, ast.Load)
            and names.qualified(node) in WILDCARDS
        ):
            hits.append(hit(f"any:{names.qualified(node)}", node, text))
        if (mock := _mock(node, names)) is not None:
            hits.append(hit(f"mock:{mock}", node, text))
        elif isinstance(node, ast.Call) and names.qualified(node.func) in APPROX:
            kind = "any" if _wide(node) else "approx"
            hits.append(hit(f"{kind}:{ast.unparse(node)[:60]}", node, text))
        for dunder, fn in _lambdas(node, names):
            if kind := _trick(fn.args, fn.body, "", builtin=False, lambda_=True):
                hits.append(hit(f"{kind}:{dunder}", node, text))
    return hits


def _trick(args: ast.arguments, body: Body, cls: str, builtin: bool, *, lambda_: bool = False) -> str:
    """How a comparison of class `cls` cheats: "const" (one answer whatever it is compared with),
    "blind" (the answer reads the argument's kind alone, never the object: on a built-in's subclass,
    any answer that ignores the object), "builtin" (a built-in's subclass overriding a comparison,
    a warning; not said of a lambda), or ""."""
    if not depends_on_argument(args, body):
        return "const"
    if not depends_on_self(args, body, cls) and (builtin or not depends_on_value(args, body)):
        return "blind"
    return "builtin" if builtin and not lambda_ else ""


def _wide(call: ast.Call) -> bool:
    """A tolerance that is not a small number (`abs=math.inf`, `rel=float("inf")`, `abs=1e9`)."""
    for keyword in call.keywords:
        if keyword.arg in ("abs", "rel"):
            ok, value = _number(keyword.value)
            if not ok or not isinstance(value, int | float) or not 0 <= value <= 1:
                return True
    return len(call.args) > 1  # a positional tolerance hides the same


def _number(node: ast.expr) -> tuple[bool, object]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _mock(node: ast.AST, names: Names) -> str | None:
    """Mock objects in code under test: imports of the mock modules and answers set on a dunder."""
    modules: list[str] = []
    if isinstance(node, ast.Import):
        modules = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0:
        modules = [node.module or ""]
    elif (
        isinstance(node, ast.Call)
        and (module := names.qualified(node))
        and names.qualified(node.func) in IMPORTERS
    ):
        modules = [module]
    for module in modules:
        if module in MOCK_ROOTS or any(module.startswith(root + ".") for root in MOCK_ROOTS):
            return module
    if isinstance(node, ast.Attribute) and node.attr in ("return_value", "side_effect"):
        chain = ast.unparse(node.value)
        if any(f".{dunder}" in chain or f"'{dunder}" in chain for dunder in COMPARISONS):
            return chain
    return None


class AlwaysEqualGuard:
    name = "always_equal"
    kinds: ClassVar[tuple[str, ...]] = ("always_equal", "builtin_comparison", "wildcard_value", "mock_object")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for f in python_files(change):
            if judged_as_test(change, f.rel):
                continue  # tests may build their own matchers; a test file the run added is judged like code
            for h in added_hits(f, equality_tricks):
                kind, _, what = h.key.partition(":")
                if kind in ("mock", "approx") and is_test_file(f.rel):
                    continue  # a new test may mock and compare approximately; not with an infinite tolerance
                if kind == "const":
                    message = f"{what} gives one answer whatever it is compared with"
                    alerts.append(alert(self.name, "always_equal", Severity.BLOCK, message, f.rel, h))
                elif kind == "blind":
                    message = f"{what} answers from what it is compared with alone, never from its own value"
                    alerts.append(alert(self.name, "always_equal", Severity.BLOCK, message, f.rel, h))
                elif kind == "mock":
                    message = (
                        f"mock objects in code under test ({what}) answer any comparison they are told to"
                    )
                    alerts.append(alert(self.name, "mock_object", Severity.BLOCK, message, f.rel, h))
                elif kind == "builtin":
                    message = f"{what} overrides comparison on a built-in subclass returned to tests"
                    alerts.append(alert(self.name, "builtin_comparison", Severity.WARN, message, f.rel, h))
                else:  # ANY, approx in code under test, approx with an unbounded tolerance
                    message = f"{what} matches any expected value"
                    alerts.append(alert(self.name, "wildcard_value", Severity.BLOCK, message, f.rel, h))
        return alerts
