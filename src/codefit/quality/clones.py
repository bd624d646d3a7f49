"""Clone detection by hashing normalised AST subtrees.

A candidate is a function, class-free block statement (if/for/while/with/try/match) of at least
`min_lines` source lines. Normalising renames every identifier to `$VARn` in order of first
appearance, replaces literals by their type (`$STR`, `$INT`, ...) and drops docstrings, so two
blocks that differ only in names and constants hash alike. Two or more candidates with one hash
form a clone group.
"""

from __future__ import annotations

import ast
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


def fingerprint(node: ast.AST) -> str:
    """The hash of a subtree with identifiers and literals abstracted."""
    dumped = ast.dump(_normalised(node, {}), annotate_fields=False, include_attributes=False)
    return hashlib.blake2b(dumped.encode(), digest_size=12).hexdigest()


def _normalised(node: ast.AST, names: dict[str, str]) -> ast.AST:
    """A copy of the subtree's fields (all `ast.dump` prints) with docstrings dropped, every
    identifier renamed to `$VARn` in order of first appearance (a node's own before its children's)
    and every literal replaced by its type. Built fresh in one pass: the parsed tree is left as it is,
    with no `copy.deepcopy` of each candidate to pay."""
    if isinstance(node, ast.Constant):
        return ast.Name(id=f"${type(node.value).__name__.upper()}", ctx=ast.Load())
    fresh = node.__class__()
    done: set[str] = set()
    for field in _IDENTIFIER_FIELDS:
        value = getattr(node, field, None)
        if isinstance(value, str):
            setattr(fresh, field, names.setdefault(value, f"$VAR{len(names)}"))
            done.add(field)
    for field, value in ast.iter_fields(node):
        if field in done:
            continue
        if isinstance(value, ast.AST):
            value = _normalised(value, names)
        elif isinstance(node, ast.Global | ast.Nonlocal):  # `names`, a list of identifiers
            value = [names.setdefault(n, f"$VAR{len(names)}") for n in value]
        elif isinstance(value, list):
            if field == "body" and _has_docstring(node):
                value = value[1:]
            value = [_normalised(item, names) if isinstance(item, ast.AST) else item for item in value]
        setattr(fresh, field, value)
    return fresh


def _has_docstring(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and len(node.body) > 1
        and is_docstring(node.body[0])
    )


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
