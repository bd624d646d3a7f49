"""Statement edit operators: delete a statement, or insert a copy of one from the same function or
module (GenProg-style ingredients: the fix is often already written somewhere nearby)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codefit.optimizers.search.patch import Edit
from codefit.optimizers.search.source import SourceFile

MAX_INGREDIENT_LINES = 3


def _block_of(src: SourceFile, statement: ast.stmt) -> list[ast.stmt]:
    parent = src.parents.get(statement)
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and statement in block:
            return block
    return [statement]


def statement_deletion(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if not isinstance(node, ast.stmt) or isinstance(
        node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ):
        return
    if not src.owns_lines(node):
        return
    first = src.line_start(node.lineno)
    last = (node.end_lineno or node.lineno) + 1
    end = src.line_start(last) if last - 1 < len(src.lines) else len(src.text)
    summary = src.lines[node.lineno - 1].strip()
    if len(_block_of(src, node)) > 1:
        yield src.replace(first, end, "", node.lineno, "delete", f"delete `{summary}`")
    else:
        text = f"{src.indent_of(node)}pass\n"
        yield src.replace(first, end, text, node.lineno, "delete", f"replace `{summary}` with `pass`")


def statement_insertion(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Insert, before the statement, a copy of a short statement of the same function, or of
    elsewhere in the module when it reads a variable of this scope and every name it reads is
    visible here."""
    if not isinstance(node, ast.stmt) or not src.owns_lines(node):
        return
    indent = src.indent_of(node)
    at = src.line_start(node.lineno)
    visible = src.visible_names(node)
    own = set(src.scope_names(node)) | src.parameters(node)
    seen: set[str] = set()
    for ingredient, nearby in _ingredients(src, src.function_of(node)):
        if ingredient is node or not src.owns_lines(ingredient):
            continue
        reads = _reads(ingredient)
        if not nearby and not (reads <= visible and reads & own):
            # From elsewhere, only a statement about this scope's own variables that exist here:
            # a copy reading unknown names fails, one reading only constants rarely fixes anything.
            continue
        text = _reindent(src, ingredient, indent)
        if text in seen:
            continue
        seen.add(text)
        first = text.strip().splitlines()[0]
        yield src.replace(
            at, at, text, node.lineno, "insert", f"insert a copy of `{first}` (line {ingredient.lineno})"
        )


def _ingredients(src: SourceFile, scope: ast.AST) -> Iterator[tuple[ast.stmt, bool]]:
    """Short statements of the scope (nearby), then those of the rest of the module."""
    inside = {id(n) for n in src.walk_scope(scope)}
    for nearby in (True, False):
        for statement in ast.walk(src.tree):
            if not isinstance(statement, ast.stmt) or (id(statement) in inside) != nearby:
                continue
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            span = (statement.end_lineno or statement.lineno) - statement.lineno + 1
            if span <= MAX_INGREDIENT_LINES:
                yield statement, nearby


def _reads(statement: ast.stmt) -> set[str]:
    """Names the statement reads, less those it binds for itself (comprehension variables, lambda
    parameters); `x = x + 1` still reads `x`."""
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            read.add(node.id)
        elif isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read - bound


def _reindent(src: SourceFile, statement: ast.stmt, indent: str) -> str:
    lines = src.lines[statement.lineno - 1 : statement.end_lineno]
    old = src.indent_of(statement)
    out = []
    for line in lines:
        body = line[len(old) :] if line.startswith(old) else line.lstrip()
        out.append(indent + body if body.strip() else body)
    text = "".join(out)
    return text if text.endswith("\n") else text + "\n"
