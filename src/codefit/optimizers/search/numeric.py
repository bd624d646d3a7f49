"""Which expressions hold numbers, guessed from the code alone.

The +1/-1 and max/min operators only touch these, so they add candidates where an off-by-one or
a missing clamp is plausible (`len(xs)`, a counter, `hi - lo`) and not on every name of a line.
"""

from __future__ import annotations

import ast

from codefit.optimizers.search.source import SourceFile

NUMERIC_CALLS = frozenset({"len", "int", "abs", "round", "sum", "ord"})
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def number_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def is_numeric(src: SourceFile, node: ast.AST) -> bool:
    """A number literal, a numeric call, a name used as a number in its scope, or arithmetic on one."""
    return _numeric(node, numeric_names(src, node))


def _numeric(node: ast.AST, names: frozenset[str] | set[str]) -> bool:
    if number_constant(node):
        return True
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in NUMERIC_CALLS
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _numeric(node.operand, names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
        return _numeric(node.left, names) or _numeric(node.right, names)
    return False


def numeric_names(src: SourceFile, node: ast.AST) -> frozenset[str]:
    """Names the node's function (or module) uses as numbers: bound to a number, counted by
    `range` or `enumerate`, ordered against something, or in arithmetic with a number."""
    scope = src.function_of(node)
    cached = src.numeric_names.get(scope)
    if cached is not None:
        return cached
    found: set[str] = set()
    for _ in range(2):  # the second pass finds names bound from names the first pass found
        for sub in src.walk_scope(scope):
            found |= _used_as_number(sub, found)
    src.numeric_names[scope] = frozenset(found)
    return src.numeric_names[scope]


def _used_as_number(node: ast.AST, known: set[str]) -> set[str]:
    if isinstance(node, ast.Assign) and _numeric(node.value, known):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and _numeric(node.value, known):
        return {node.target.id}
    if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name):
        target = node.target
        if node.iter.func.id == "enumerate" and isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]
        if node.iter.func.id in ("range", "enumerate") and isinstance(target, ast.Name):
            return {target.id}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        return {a.id for a in node.args if isinstance(a, ast.Name)}
    if isinstance(node, ast.Compare) and any(isinstance(op, ORDERING) for op in node.ops):
        return {o.id for o in (node.left, *node.comparators) if isinstance(o, ast.Name)}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
        pairs = ((node.left, node.right), (node.right, node.left))
        return {side.id for side, other in pairs if isinstance(side, ast.Name) and _numeric(other, known)}
    return set()
