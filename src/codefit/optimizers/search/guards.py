"""Guard edit operators: a condition extended with `and`/`or` of a guard already written in the
function (as it is, or with one name changed: `a == b or b == c` -> `... or a == c`), and a guard
statement inserted before a statement (`if not whole: return 0`, `if x is None: continue`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codefit.optimizers.search.operators import Operator
from codefit.optimizers.search.patch import Edit
from codefit.optimizers.search.source import BUILTIN_NAMES, SourceFile

MAX_GUARDS = 12  # guards per node, each operator
CONDITIONS = (ast.If, ast.While, ast.IfExp)
DEFAULT_RESULTS = ("None", "0")  # what a guard may return besides the constants the module returns


def _comparisons(src: SourceFile, node: ast.AST) -> list[ast.Compare]:
    return [n for n in src.walk_scope(src.function_of(node)) if isinstance(n, ast.Compare)]


def _variants(src: SourceFile, compare: ast.Compare, names: list[str]) -> Iterator[str]:
    """The comparison's text, then the same with one name changed to another variable."""
    text = src.segment(compare)
    start, _ = src.span(compare)
    yield text
    for occurrence in ast.walk(compare):
        if not isinstance(occurrence, ast.Name) or occurrence.id not in names:
            continue
        o_start, o_end = src.span(occurrence)
        for other in names:
            if other != occurrence.id:
                yield text[: o_start - start] + other + text[o_end - start :]


def _joined(src: SourceFile, test: ast.expr, joiner: str, guard: str) -> str:
    """`test joiner guard`, parenthesising the test where the joiner would regroup it."""
    loose = isinstance(test, ast.IfExp | ast.Lambda | ast.NamedExpr) or (
        isinstance(test, ast.BoolOp) and joiner == "and" and isinstance(test.op, ast.Or)
    )
    return f"{src.operand(test) if loose else src.segment(test)} {joiner} {guard}"


def condition_extension(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """`cond` -> `cond and g` / `cond or g`, g a comparison of the function, or one with a name changed
    to a parameter or a name the condition reads."""
    if not isinstance(node, CONDITIONS):
        return
    wanted = src.parameters(node) | _reads(node.test)
    names = [n for n in src.scope_names(node) if n in wanted and n not in BUILTIN_NAMES]
    test = src.segment(node.test)
    seen: set[str] = set()
    for compare in _comparisons(src, node):
        for guard in _variants(src, compare, names):
            if guard in test or guard in seen:
                continue
            seen.add(guard)
            if len(seen) > MAX_GUARDS:
                return
            for joiner in ("or", "and"):
                yield src.edit(
                    node.test,
                    _joined(src, node.test, joiner, guard),
                    "guard",
                    f"extend the condition with `{joiner} {guard}`",
                )


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _in_loop(src: SourceFile, node: ast.AST) -> bool:
    current = src.parents.get(node)
    while current is not None and not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
        if isinstance(current, ast.For | ast.While):
            return True
        current = src.parents.get(current)
    return False


def _exits(src: SourceFile, node: ast.stmt) -> list[str]:
    """How a guard may leave: `continue`/`break` in a loop, `return` of a constant the module returns
    in a function (or, outside a loop, of None or 0)."""
    looped = _in_loop(src, node)
    exits = ["continue", "break"] if looped else []
    if isinstance(src.function_of(node), ast.FunctionDef | ast.AsyncFunctionDef):
        returned = [
            src.segment(r.value)
            for r in ast.walk(src.tree)
            if isinstance(r, ast.Return) and isinstance(r.value, ast.Constant)
        ]
        for value in (*returned, *(() if looped else DEFAULT_RESULTS)):
            if f"return {value}" not in exits:
                exits.append(f"return {value}")
    return exits


def guard_insertion(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Insert `if g: exit` before the statement: g `not x`, `x is None` (x a variable the statement
    reads: the guard protects its use) or a comparison of the function on such variables; exit a
    `return`, `continue` or `break` (see _exits)."""
    if not isinstance(node, ast.stmt) or not src.owns_lines(node):
        return
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return
    exits = _exits(src, node)
    read = _reads(node) - BUILTIN_NAMES
    names = [n for n in src.scope_names(node) if n in read]
    guards = [g for name in names for g in (f"not {name}", f"{name} is None")]
    guards += [
        src.segment(c) for c in _comparisons(src, node) if _reads(c) & read and "\n" not in src.segment(c)
    ]
    indent = src.indent_of(node)
    at = src.line_start(node.lineno)
    count = 0
    for guard in dict.fromkeys(guards):
        for leave in exits:
            count += 1
            if count > MAX_GUARDS:
                return
            text = f"{indent}if {guard}:\n{indent}    {leave}\n"
            yield src.replace(at, at, text, node.lineno, "insert", f"insert `if {guard}: {leave}`")


GUARD_OPERATORS: list[tuple[Operator, int]] = [
    (condition_extension, 5),
    (guard_insertion, 6),
]
