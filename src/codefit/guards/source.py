"""What guards share: reading a change's Python files, matching paths, and spotting new patterns.

Guards judge what a step *added*: a pattern that was already in the previous checkpoint raises
nothing. `new_hits` does that comparison on keyed occurrences, so a moved line is not "new".
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType

from codefit import pysource
from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import memoized
from codefit.testfiles import is_test_code, is_test_file


@dataclass(frozen=True)
class Hit:
    """One occurrence of a pattern: `key` identifies it across versions, `line` locates it."""

    key: str
    line: int
    snippet: str


@dataclass(frozen=True)
class PyFile:
    """A changed Python file before and after the step (None where absent or unparsable)."""

    rel: str
    before_text: str | None
    after_text: str | None
    before: ast.Module | None
    after: ast.Module | None


def parse(text: str | None) -> ast.Module | None:
    """`text` parsed as Python reads it (its coding cookie honoured); None when it does not parse."""
    return _parse(python_text(text)) if text is not None else None


def _parse(text: str | None) -> ast.Module | None:
    if text is None:
        return None
    return memoized("parse", text, lambda: _parse_now(text))


def _parse_now(text: str) -> ast.Module | None:
    try:
        return pysource.parse(text)
    except (SyntaxError, ValueError):
        return None  # a file that does not parse is the sensors' concern, not a guard's


def python_text(text: str) -> str:
    """`text` as Python reads it: decoded with the encoding its coding cookie declares.

    `# coding: raw_unicode_escape` turns `\\u000a` into a line break, so code hidden in what looks
    like a comment runs; guards must see that code, not the UTF-8 text.
    """
    head = "\n".join(text.splitlines()[:2])
    if "coding" not in head:
        return text
    try:
        return importlib.util.decode_source(text.encode("utf-8", errors="surrogateescape"))
    except (SyntaxError, LookupError, UnicodeError, ValueError):
        return text  # a cookie Python cannot honour: importing the file fails, nothing hides in it


def read_after(change: Change, rel: str) -> str | None:
    path = change.tree / rel
    if not path.is_file():
        return None
    return path.read_bytes().decode("utf-8", errors="replace")


def python_files(change: Change) -> Iterator[PyFile]:
    """The changed files Python can run: `.py` files, and any other file whose text is a program.

    Code `exec`'d or `compile`d from a data file (`impl.dat`, `table.txt`) runs as surely as a module
    does, so a changed non-`.py` file that parses as Python and defines, imports or calls something
    is judged like code. Texts are read with their declared encoding (`python_text`).
    """
    for rel in change.changed_files:
        before, after = change.before(rel), read_after(change, rel)
        if before is not None:
            before = python_text(before)
        if after is not None:
            after = python_text(after)
        old, new = _parse(before), _parse(after)
        if rel.endswith(".py") or is_program(old) or is_program(new):
            yield PyFile(rel, before, after, old, new)


PROGRAM_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def is_program(tree: ast.Module | None) -> bool:
    """Whether a parsed non-Python file does something when run (not a bare literal or `key = value`)."""
    if tree is None:
        return False
    for node in tree.body:
        if isinstance(node, PROGRAM_NODES):
            return True
        if isinstance(node, ast.Expr | ast.Assign) and any(isinstance(n, ast.Call) for n in ast.walk(node)):
            return True
    return False


def added_test_file(change: Change, rel: str) -> bool:
    """A test file the run added: pytest imports it beside the real tests, so it is judged like code."""
    return is_test_file(rel) and change.base(rel) is None


def judged_as_test(change: Change, rel: str) -> bool:
    """A test file that was there at the run's base: tests may peek at themselves and build matchers."""
    return is_test_code(rel) and not added_test_file(change, rel)


def matches(rel: str, globs: Sequence[str]) -> bool:
    """fnmatch with `**/` also matching zero directories."""
    for pattern in globs:
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern.replace("**/", "")):
            return True
    return False


def new_hits(before: Sequence[Hit], after: Sequence[Hit]) -> list[Hit]:
    """The occurrences in `after` beyond those already in `before` (compared by key)."""
    remaining = Counter(h.key for h in before)
    out = []
    for hit in after:
        if remaining[hit.key] > 0:
            remaining[hit.key] -= 1
        else:
            out.append(hit)
    return out


Find = Callable[[ast.Module | None, str | None], list[Hit]]
# (find, text) -> its hits, across steps: a step's old text is the previous step's new one, so
# each changed text is searched once per guard, not twice (a pattern finder is a function of the
# text alone; lambdas and closures, which carry other inputs, are never kept).
_FOUND: OrderedDict[tuple[Find, str], tuple[Hit, ...]] = OrderedDict()
FOUND_KEPT = 64


def added_hits(f: PyFile, find: Find) -> list[Hit]:
    """The occurrences `find` sees in the file after the step and not before it."""
    return new_hits(found(find, f.before, f.before_text), found(find, f.after, f.after_text))


def found(find: Find, tree: ast.Module | None, text: str | None) -> Sequence[Hit]:
    """`find(tree, text)`, kept across steps for a plain function (see `_FOUND`)."""
    if text is None or not isinstance(find, FunctionType) or find.__closure__ or find.__name__ == "<lambda>":
        return find(tree, text)
    key = (find, text)
    if key in _FOUND:
        _FOUND.move_to_end(key)
        return _FOUND[key]
    hits = _FOUND[key] = tuple(find(tree, text))
    while len(_FOUND) > FOUND_KEPT:
        _FOUND.popitem(last=False)
    return hits


def snippet(text: str | None, line: int | None) -> str:
    if text is None or line is None:
        return ""
    lines = text.splitlines()
    return lines[line - 1].strip()[:200] if 0 < line <= len(lines) else ""


def line_hit(key: str, text: str | None, line: int = 1) -> Hit:
    """A hit at `line` of `text`: evidence for a whole file (line 1 of a deleted file's old text)."""
    return Hit(key=key, line=line, snippet=snippet(text, line))


def hit(key: str, node: ast.AST, text: str | None) -> Hit:
    line = getattr(node, "lineno", 0)
    return Hit(key=key, line=line, snippet=snippet(text, line))


def dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def under_main_guard(tree: ast.Module) -> set[int]:
    """ids of nodes inside `if __name__ == "__main__":` blocks (scripts may exit there)."""
    inside: set[int] = set()
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and "__main__" in ast.unparse(node.test)
            and "__name__" in ast.unparse(node.test)
        ):
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def qualnames(tree: ast.Module) -> dict[int, str]:
    """id(node) -> the qualified name of the function or class enclosing it ("" at module level)."""
    out: dict[int, str] = {}

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{scope}.{child.name}" if scope else child.name
            out[id(child)] = inner
            visit(child, inner)

    visit(tree, "")
    return out


def alert(guard: str, kind: str, severity: Severity, message: str, rel: str, h: Hit | None = None) -> Alert:
    return Alert(
        guard=guard,
        kind=kind,
        severity=severity,
        message=message,
        path=rel,
        line=h.line if h else None,
        snippet=h.snippet if h else "",
    )


def literal(node: ast.AST | None) -> tuple[bool, object]:
    """(True, value) when `node` is a literal (constants, tuples, lists, negative numbers...)."""
    if node is None:
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def tree_files(root: Path, suffixes: tuple[str, ...] = (".py",), limit: int = 2000) -> Iterator[Path]:
    """Files of a workspace tree, skipping git metadata and caches, at most `limit` of them."""
    count = 0
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in ("__pycache__", "node_modules") for p in parts[:-1]):
            continue
        if path.suffix in suffixes and path.is_file():
            yield path
            count += 1
            if count >= limit:
                return
