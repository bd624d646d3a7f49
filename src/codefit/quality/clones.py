"""Clone detection by hashing normalised AST subtrees.

A candidate is a function, class-free block statement (if/for/while/with/try/match) of at least
`min_lines` source lines. Normalising renames every identifier to `$VARn` in order of first
appearance, replaces literals by their type (`$STR`, `$INT`, ...) and drops docstrings, so two
blocks that differ only in names and constants hash alike. Two or more candidates with one hash
form a clone group.
"""

from __future__ import annotations

import ast
import copy
import hashlib
from collections import defaultdict
from collections.abc import Sequence

from codefit.quality.sources import SourceFile, is_docstring
from codefit.records import Record

MIN_LINES = 3
CANDIDATES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)
_IDENTIFIER_FIELDS = ("id", "arg", "attr", "name", "asname")


class CloneInstance(Record):
    path: str
    line: int
    end_line: int
    kind: str


class CloneGroup(Record):
    digest: str
    sloc: int
    instances: tuple[CloneInstance, ...]


class _Normaliser(ast.NodeTransformer):
    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def rename(self, name: str) -> str:
        return self.names.setdefault(name, f"$VAR{len(self.names)}")

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and len(node.body) > 1
            and is_docstring(node.body[0])
        ):
            node.body = node.body[1:]
        for field in _IDENTIFIER_FIELDS:
            value = getattr(node, field, None)
            if isinstance(value, str):
                setattr(node, field, self.rename(value))
        if isinstance(node, ast.Global | ast.Nonlocal):
            node.names = [self.rename(n) for n in node.names]
        return super().generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Name(id=f"${type(node.value).__name__.upper()}", ctx=ast.Load())


def fingerprint(node: ast.AST) -> str:
    """The hash of a subtree with identifiers and literals abstracted."""
    normal = _Normaliser().visit(copy.deepcopy(node))
    dumped = ast.dump(normal, annotate_fields=False, include_attributes=False)
    return hashlib.blake2b(dumped.encode(), digest_size=12).hexdigest()


def find_clones(sources: Sequence[SourceFile], min_lines: int = MIN_LINES) -> list[CloneGroup]:
    """Groups of two or more normalised-equal blocks of at least `min_lines` SLOC, largest first."""
    buckets: dict[str, list[CloneInstance]] = defaultdict(list)
    sizes: dict[str, int] = {}
    for source in sources:
        for node in ast.walk(source.tree):
            if not isinstance(node, CANDIDATES):
                continue
            end = node.end_lineno or node.lineno
            sloc = source.sloc_between(node.lineno, end)
            if sloc < min_lines:
                continue
            digest = fingerprint(node)
            sizes[digest] = sloc
            buckets[digest].append(
                CloneInstance(path=source.path, line=node.lineno, end_line=end, kind=type(node).__name__)
            )
    groups = [
        CloneGroup(digest=d, sloc=sizes[d], instances=tuple(sorted(found, key=lambda i: (i.path, i.line))))
        for d, found in buckets.items()
        if len(found) >= 2
    ]
    return sorted(groups, key=lambda g: (-g.sloc, g.instances[0].path, g.instances[0].line))


def maximal(groups: Sequence[CloneGroup]) -> list[CloneGroup]:
    """Groups not wholly inside a larger group's instances: the ones worth reporting."""
    kept: list[CloneGroup] = []
    for group in groups:
        covered = all(
            any(_inside(inst, other) for g in kept for other in g.instances) for inst in group.instances
        )
        if not covered:
            kept.append(group)
    return kept


def _inside(inner: CloneInstance, outer: CloneInstance) -> bool:
    return inner.path == outer.path and outer.line <= inner.line and inner.end_line <= outer.end_line


def clone_lines(groups: Sequence[CloneGroup], sources: Sequence[SourceFile]) -> set[tuple[str, int]]:
    """(path, line) of every code line inside a clone instance."""
    by_path = {s.path: s for s in sources}
    lines: set[tuple[str, int]] = set()
    for group in groups:
        for inst in group.instances:
            code = by_path[inst.path].code_lines
            lines.update((inst.path, n) for n in range(inst.line, inst.end_line + 1) if n in code)
    return lines
