"""Statement edit operators: delete a statement, or insert a copy of one from the same function
(GenProg-style ingredients: the fix is often already written somewhere nearby)."""

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
    """Insert, before the statement, a copy of a short statement of the same function."""
    if not isinstance(node, ast.stmt) or not src.owns_lines(node):
        return
    scope = src.function_of(node)
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return
    indent = src.indent_of(node)
    seen: set[str] = set()
    for ingredient in ast.walk(scope):
        if not isinstance(ingredient, ast.stmt) or ingredient is node or ingredient is scope:
            continue
        span = (ingredient.end_lineno or ingredient.lineno) - ingredient.lineno + 1
        if span > MAX_INGREDIENT_LINES or not src.owns_lines(ingredient):
            continue
        if isinstance(ingredient, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        text = _reindent(src, ingredient, indent)
        if text in seen:
            continue
        seen.add(text)
        at = src.line_start(node.lineno)
        first = text.strip().splitlines()[0]
        yield src.replace(
            at, at, text, node.lineno, "insert", f"insert a copy of `{first}` (line {ingredient.lineno})"
        )


def _reindent(src: SourceFile, statement: ast.stmt, indent: str) -> str:
    lines = src.lines[statement.lineno - 1 : statement.end_lineno]
    old = src.indent_of(statement)
    out = []
    for line in lines:
        body = line[len(old) :] if line.startswith(old) else line.lstrip()
        out.append(indent + body if body.strip() else body)
    text = "".join(out)
    return text if text.endswith("\n") else text + "\n"
