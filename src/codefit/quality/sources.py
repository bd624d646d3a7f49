"""The Python files a quality sensor measures, parsed once, with their source lines of code."""

from __future__ import annotations

import ast
import fnmatch
import io
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codefit import pysource

# Directories that never hold the project's own code.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".venv", "venv", "env", "__pycache__", "node_modules", "build", "dist", ".tox", ".nox"}
)
DEFAULT_EXCLUDE = ("tests/**", "test/**", "**/tests/**", "**/test_*.py", "**/*_test.py", "conftest.py")
_NOT_CODE = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
)


@dataclass(frozen=True)
class SourceFile:
    """One parsed file: `path` is relative to the tree, `code_lines` excludes comments and docstrings."""

    path: str
    text: str
    tree: ast.Module
    code_lines: frozenset[int]

    @property
    def sloc(self) -> int:
        return len(self.code_lines)

    def sloc_between(self, first: int, last: int) -> int:
        # Over the span, not over every code line of the file: clone detection asks once per block.
        return sum(n in self.code_lines for n in range(first, last + 1))


@dataclass(frozen=True)
class UnparsableFile:
    path: str
    line: int | None
    message: str


def parse_source(path: str, text: str) -> SourceFile:
    """Parse one file; raises SyntaxError (or ValueError for null bytes) like `ast.parse`."""
    tree = pysource.parse(text, filename=path)
    return SourceFile(path=path, text=text, tree=tree, code_lines=frozenset(code_lines(text, tree)))


def code_lines(text: str, tree: ast.Module) -> set[int]:
    """Line numbers that carry code: not blank, not only a comment, not part of a docstring."""
    lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in _NOT_CODE:
                lines.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return lines
    for doc in docstring_nodes(tree):
        lines.difference_update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    return lines


def docstring_nodes(tree: ast.AST) -> list[ast.Expr]:
    """The docstring statements of the module, its classes and its functions."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and is_docstring(body[0]):
                first = body[0]
                assert isinstance(first, ast.Expr)
                found.append(first)
    return found


def is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def discover(root: Path, include: Sequence[str] = (), exclude: Sequence[str] = DEFAULT_EXCLUDE) -> list[str]:
    """Relative paths of the .py files under `root` (or under its `include` paths), sorted."""
    starts = [root / p for p in include] if include else [root]
    found: set[str] = set()
    for start in starts:
        if start.is_file() and start.suffix == ".py":
            found.add(start.relative_to(root).as_posix())
            continue
        for path in _walk_py(start):
            found.add(path.relative_to(root).as_posix())
    return sorted(p for p in found if not excluded(p, exclude))


def excluded(rel: str, patterns: Iterable[str]) -> bool:
    """Glob match where `*` crosses directories and a leading `**/` may match nothing."""
    return any(
        fnmatch.fnmatchcase(rel, pat) or (pat.startswith("**/") and fnmatch.fnmatchcase(rel, pat[3:]))
        for pat in patterns
    )


def _walk_py(start: Path) -> Iterable[Path]:
    if not start.is_dir():
        return
    for child in sorted(start.iterdir()):
        if child.is_dir():
            if child.name in SKIPPED_DIRS or child.name.startswith(".") or (child / "pyvenv.cfg").exists():
                continue
            yield from _walk_py(child)
        elif child.suffix == ".py":
            yield child


def load(root: Path, paths: Sequence[str]) -> tuple[list[SourceFile], list[UnparsableFile]]:
    """Read and parse files; a file that does not parse is reported, not raised."""
    parsed: list[SourceFile] = []
    broken: list[UnparsableFile] = []
    for rel in paths:
        text = (root / rel).read_text(encoding="utf-8", errors="replace")
        try:
            parsed.append(parse_source(rel, text))
        except SyntaxError as exc:
            broken.append(UnparsableFile(rel, exc.lineno, f"syntax error: {exc.msg}"))
        except ValueError as exc:
            broken.append(UnparsableFile(rel, None, str(exc)))
    return parsed, broken
