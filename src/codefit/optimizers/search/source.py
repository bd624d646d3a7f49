"""One Python file as the operators see it: its AST, spans in characters, parents and scopes."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from codefit import pysource
from codefit.optimizers.search.patch import Edit

ATOMIC = (
    ast.Name,
    ast.Constant,
    ast.Attribute,
    ast.Subscript,
    ast.Call,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.JoinedStr,
)
BUILTIN_NAMES = frozenset(dir(builtins))


class SourceFile:
    """Parsed once; every edit operator reads positions and scopes from here."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.tree = pysource.parse(text)
        self.lines = text.splitlines(keepends=True)
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self._scope_names: dict[ast.AST, list[str]] = {}
        self.numeric_names: dict[ast.AST, frozenset[str]] = {}  # filled by numeric.numeric_names

    def offset(self, line: int, col_bytes: int) -> int:
        """Character offset of an AST position (columns are UTF-8 byte offsets)."""
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        return self._starts[line - 1] + len(text.encode()[:col_bytes].decode(errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def operand(self, node: ast.AST) -> str:
        """The node's source, parenthesised unless it is atomic."""
        text = self.segment(node)
        return text if isinstance(node, ATOMIC) else f"({text})"

    def edit(self, node: ast.AST, text: str, op: str, description: str) -> Edit:
        start, end = self.span(node)
        return self.replace(start, end, text, node.lineno, op, description)  # type: ignore[attr-defined]

    def replace(self, start: int, end: int, text: str, line: int, op: str, description: str) -> Edit:
        return Edit(
            path=self.path, start=start, end=end, text=text, line=line, op=op, description=description
        )

    def function_of(self, node: ast.AST) -> ast.AST:
        """The innermost function around the node, or the module."""
        current = self.parents.get(node)
        while current is not None and not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            current = self.parents.get(current)
        return current if current is not None else self.tree

    def walk_scope(self, scope: ast.AST) -> Iterator[ast.AST]:
        """The nodes of a function's body (or the module's), not those of functions, classes and
        lambdas defined inside it: their names are not visible here."""
        body = scope.body if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) else self.tree.body
        todo: list[ast.AST] = list(reversed(body))
        while todo:
            node = todo.pop()
            yield node
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                todo.extend(reversed(list(ast.iter_child_nodes(node))))

    def scope_names(self, node: ast.AST) -> list[str]:
        """Variables visible at the node: parameters and locals of its function, or module globals."""
        scope = self.function_of(node)
        cached = self._scope_names.get(scope)
        if cached is not None:
            return cached
        names: list[str] = []
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            names.extend(_parameters(scope))
        for sub in self.walk_scope(scope):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.append(sub.id)
        unique = [n for i, n in enumerate(names) if n not in names[:i] and n not in ("self", "cls", "_")]
        self._scope_names[scope] = unique
        return unique

    def global_variables(self) -> list[str]:
        """Variables the module assigns at its top level (not its functions, classes or imports)."""
        return self.scope_names(self.tree)

    def visible_names(self, node: ast.AST) -> set[str]:
        """Every name code at the node may read: builtins, module-level definitions, parameters, locals."""
        names = set(BUILTIN_NAMES) | set(self.global_variables()) | set(self.scope_names(node))
        for statement in self.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(statement.name)
            elif isinstance(statement, ast.Import | ast.ImportFrom):
                names |= {(a.asname or a.name).split(".")[0] for a in statement.names}
        return names | self.parameters(node)

    def parameters(self, node: ast.AST) -> set[str]:
        """Parameters of the node's function, `self` and `cls` included; none at module level."""
        scope = self.function_of(node)
        return set(_parameters(scope)) if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) else set()

    def nodes_on(self, lines: set[int]) -> Iterator[ast.AST]:
        """Expression and statement nodes that start on one of the lines, outermost first."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.expr | ast.stmt) and node.lineno in lines:
                yield node

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(current)
        return current

    def indent_of(self, statement: ast.stmt) -> str:
        line = self.lines[statement.lineno - 1]
        return line[: len(line) - len(line.lstrip())]

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]

    def owns_lines(self, statement: ast.stmt) -> bool:
        """True when the statement is alone on its lines (no `a; b`, no code after it)."""
        first = self.lines[statement.lineno - 1]
        before = first[: statement.col_offset]
        last = self.lines[(statement.end_lineno or statement.lineno) - 1]
        after = last.encode()[statement.end_col_offset or 0 :].decode(errors="ignore")
        return not before.strip() and (not after.strip() or after.strip().startswith("#"))


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    named = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return named + [a.arg for a in (args.vararg, args.kwarg) if a is not None]
