"""Edit kinds real fixes need beyond a one-token swap: a slice added to a name, the operands of `+` or
a subscript tuple swapped, +-1 inside a subscript tuple, a call unwrapped or replaced by a variable,
a sub-expression added (`x` -> `x ** 2`, `k` -> `k - m`), and a nearby statement copied with one name
changed (`seen.add(node)` from `seen.add(start)`)."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator

from codefit.optimizers.search.numeric import is_numeric, numeric_names
from codefit.optimizers.search.operators import VALUE_PARENTS, Operator
from codefit.optimizers.search.patch import Edit
from codefit.optimizers.search.source import BUILTIN_NAMES, SourceFile

ITERABLE_CALLS = frozenset(
    {"len", "sum", "sorted", "list", "tuple", "set", "reversed", "enumerate", "any", "all"}
)
MAX_VARIANTS = 40  # statements copied with one name changed, per insertion point
NEARBY_LEVELS = 4  # the statement's block and the three around it (a loop body, its loop's block, ...)


def _read_in_place(src: SourceFile, node: ast.AST) -> bool:
    """A value read where it is used: not stored, not the called function, in one of VALUE_PARENTS."""
    if not isinstance(node, ast.expr) or isinstance(getattr(node, "ctx", None), ast.Store | ast.Del):
        return False
    parent = src.parents.get(node)
    if isinstance(parent, ast.Call) and parent.func is node:
        return False
    return isinstance(parent, (*VALUE_PARENTS, ast.Subscript, ast.For, ast.comprehension))


def _sequences(src: SourceFile, node: ast.AST) -> set[str]:
    """Names the node's scope indexes, slices, measures with len() or iterates over."""
    found: set[str] = set()
    for sub in src.walk_scope(src.function_of(node)):
        if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name):
            found.add(sub.value.id)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in ITERABLE_CALLS:
            found |= {a.id for a in sub.args[:1] if isinstance(a, ast.Name)}
        elif isinstance(sub, ast.For | ast.comprehension) and isinstance(sub.iter, ast.Name):
            found.add(sub.iter.id)
    return found


def _unread_parameters(src: SourceFile, node: ast.AST) -> set[str]:
    """Parameters the function never reads: often the very value a fix is missing."""
    read = {
        n.id
        for n in src.walk_scope(src.function_of(node))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    return src.parameters(node) - read - {"self", "cls"}


def slice_addition(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """`a` -> `a[1:]`, `a[:-1]`, `a[k:]` (k a number in scope, or a parameter never read) for a
    name used as a sequence."""
    if not isinstance(node, ast.Name) or not _read_in_place(src, node):
        return
    if node.id not in _sequences(src, node) or isinstance(src.parents.get(node), ast.Subscript):
        return
    numbers = numeric_names(src, node) | _unread_parameters(src, node)
    bounds = ["1:", ":-1"] + [f"{k}:" for k in src.scope_names(node) if k in numbers and k != node.id]
    for bound in bounds:
        yield src.edit(node, f"{node.id}[{bound}]", "slice", f"`{node.id}` -> `{node.id}[{bound}]`")


def other_bound(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """A bound on one side gains the other: `min(x, hi)` -> `max(min(x, hi), lo)` (lo in scope)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or not _read_in_place(src, node):
        return
    other = {"min": "max", "max": "min"}.get(node.func.id)
    if other is None or isinstance(src.parents.get(node), ast.Call):
        return
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    value = src.segment(node)
    for name in src.scope_names(node):
        if name not in used:
            new = f"{other}({value}, {name})"
            yield src.edit(node, new, "call", f"bound `{value}` by `{new}`")


def addition_swap(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Swap the operands of `+`: strings and lists do not commute (`path + [x]` -> `[x] + path`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        text = f"{src.operand(node.right)} + {src.operand(node.left)}"
        yield src.edit(node, text, "operand_swap", "swap the operands of `+`")


def subscript_tuple(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """`d[j, k]` -> `d[k, j]`, and +-1 on one element of the tuple (`d[i, j - 1]`)."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple):
        return
    elements = node.slice.elts
    for a, b in itertools.pairwise(elements):
        (a_start, a_end), (b_start, b_end) = src.span(a), src.span(b)
        text = src.text[b_start:b_end] + src.text[a_end:b_start] + src.text[a_start:a_end]
        yield src.replace(a_start, b_end, text, node.lineno, "subscript", "swap subscript elements")
    for element in elements:
        if isinstance(element, ast.Constant | ast.Slice):
            continue
        for sign in ("+", "-"):
            text = f"{src.segment(element)} {sign} 1"
            yield src.edit(
                element, text, "off_by_one", f"subscript element `{src.segment(element)}` {sign} 1"
            )


def call_unwrap(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """`f(x)` -> `x` for a call of the project's own functions or a method (builtins: operators.py)."""
    if not isinstance(node, ast.Call) or node.keywords or len(node.args) != 1:
        return
    if isinstance(node.func, ast.Name) and node.func.id in BUILTIN_NAMES:
        return
    (arg,) = node.args
    if isinstance(arg, ast.Starred):
        return
    yield src.edit(node, src.operand(arg), "call", f"unwrap `{src.segment(node)}` to `{src.segment(arg)}`")


def call_to_variable(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """A call replaced by a variable of its function (`len(xs)` -> `n`, `helper(a)` -> `best`)."""
    if not isinstance(node, ast.Call) or not _read_in_place(src, node):
        return
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    for name in src.scope_names(node):
        if name not in used and name not in BUILTIN_NAMES:
            yield src.edit(node, name, "call", f"`{src.segment(node)}` -> `{name}`")


def subexpression(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """A number read in place gains a term: `x` -> `x ** 2`, `k` -> `k - m` / `k + m` (m a number)."""
    if not _read_in_place(src, node) or isinstance(node, ast.Constant) or not is_numeric(src, node):
        return
    if isinstance(src.parents.get(node), ast.For | ast.comprehension):
        return
    value = src.operand(node)
    yield src.edit(node, f"{value} ** 2", "subexpression", f"`{src.segment(node)}` -> `{value} ** 2`")
    if not isinstance(node, ast.Name):
        return
    for other in src.scope_names(node):
        if other != node.id and other in numeric_names(src, node):
            for sign in ("-", "+"):
                text = f"{node.id} {sign} {other}"
                parent = src.parents.get(node)
                new = f"({text})" if isinstance(parent, ast.BinOp) else text
                yield src.edit(node, new, "subexpression", f"`{node.id}` -> `{text}`")


def statement_variant(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Insert, before the statement, a one-line statement of the same block or the blocks around it
    with one name changed to another variable of the function (`seen.add(start)` -> `seen.add(node)`)."""
    if not isinstance(node, ast.stmt) or not src.owns_lines(node) or isinstance(node, ast.FunctionDef):
        return
    names = [n for n in src.scope_names(node) if n not in BUILTIN_NAMES]
    at = src.line_start(node.lineno)
    indent = src.indent_of(node)
    seen: set[str] = set()
    for ingredient in _nearby(src, node):
        text = src.segment(ingredient)
        start, _ = src.span(ingredient)
        for occurrence in ast.walk(ingredient):
            if not isinstance(occurrence, ast.Name) or occurrence.id not in names:
                continue
            o_start, o_end = src.span(occurrence)
            for other in names:
                if other == occurrence.id:
                    continue
                new = text[: o_start - start] + other + text[o_end - start :]
                if new in seen or len(seen) >= MAX_VARIANTS:
                    continue
                seen.add(new)
                yield src.replace(
                    at,
                    at,
                    f"{indent}{new}\n",
                    node.lineno,
                    "insert",
                    f"insert `{new}` (from line {ingredient.lineno})",
                )


def _nearby(src: SourceFile, node: ast.stmt) -> Iterator[ast.stmt]:
    """One-line simple statements of the node's block, then of the blocks around it (NEARBY_LEVELS)."""
    current: ast.AST | None = node
    for _ in range(NEARBY_LEVELS):
        parent = src.parents.get(current) if current is not None else None
        if parent is None:
            return
        for field in ("body", "orelse"):
            for statement in getattr(parent, field, []) or []:
                simple = isinstance(statement, ast.Expr | ast.Assign | ast.AugAssign)
                one_line = statement.end_lineno == statement.lineno
                if simple and statement is not node and one_line and src.owns_lines(statement):
                    yield statement
        current = parent


RESHAPE_OPERATORS: list[tuple[Operator, int]] = [
    (addition_swap, 3),
    (other_bound, 4),
    (subscript_tuple, 2),
    (slice_addition, 4),
    (call_unwrap, 4),
    (subexpression, 5),
    (call_to_variable, 5),
    (statement_variant, 6),
]
