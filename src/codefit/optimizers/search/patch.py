"""Edits as text replacements at AST positions, patches as sets of edits, and their measures.

An edit replaces a span of one file's source with new text, so the patched file keeps the
author's formatting everywhere else and its diff is as small as the change.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
from collections.abc import Iterable, Mapping, Sequence

from codefit import pysource
from codefit.records import Record


class Edit(Record):
    """Replace source[start:end] (character offsets) of `path` with `text`."""

    path: str
    start: int
    end: int
    text: str
    line: int
    op: str
    description: str
    prior: int = 3  # how natural the operator is: 1 = a one-token operator fix, 5 = an inserted statement
    kind_change: bool = False  # changes the kind of computation (`**` -> `+`): ranked after the rest

    def overlaps(self, other: Edit) -> bool:
        if self.path != other.path:
            return False
        if self.start == self.end == other.start == other.end:
            return True
        return self.start < other.end and other.start < self.end


class Patch(Record):
    edits: tuple[Edit, ...]

    @property
    def key(self) -> tuple[tuple[str, int, int, str], ...]:
        return tuple(sorted((e.path, e.start, e.end, e.text) for e in self.edits))

    @property
    def paths(self) -> list[str]:
        return sorted({e.path for e in self.edits})

    def describe(self) -> str:
        return "; ".join(f"{e.path}:{e.line} {e.description}" for e in self.edits)

    def compatible(self, edit: Edit) -> bool:
        return not any(e.overlaps(edit) for e in self.edits)

    def plus(self, edit: Edit) -> Patch:
        return Patch(edits=(*self.edits, edit))


def apply(patch: Patch, sources: Mapping[str, str]) -> dict[str, str]:
    """The new text of every file the patch touches."""
    out: dict[str, str] = {}
    for path in patch.paths:
        text = sources[path]
        for edit in sorted((e for e in patch.edits if e.path == path), key=lambda e: -e.start):
            text = text[: edit.start] + edit.text + text[edit.end :]
        out[path] = text
    return out


def unified_diff(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    chunks: list[str] = []
    for path in sorted(after):
        chunks.extend(
            difflib.unified_diff(
                before[path].splitlines(keepends=True),
                after[path].splitlines(keepends=True),
                fromfile=f"a/{path}",
                tofile=f"b/{path}",
            )
        )
    return "".join(chunks)


def tokens(source: str) -> list[str]:
    """Significant tokens of Python source (no comments, no layout)."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    skip.add(tokenize.ENDMARKER)
    try:
        return [
            t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip
        ]
    except (tokenize.TokenError, SyntaxError):
        return source.split()


def changed_tokens(before: Mapping[str, str], after: Mapping[str, str]) -> int:
    """Tokens inserted plus tokens deleted: how big the change reads."""
    total = 0
    for path, new in after.items():
        a, b = tokens(before[path]), tokens(new)
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        total += (len(a) - same) + (len(b) - same)
    return total


def literals(source: str) -> set[str]:
    """Number and string literals of a source, normalised."""
    try:
        found = tokenize.generate_tokens(io.StringIO(source).readline)
        return {t.string for t in found if t.type in (tokenize.NUMBER, tokenize.STRING)}
    except (tokenize.TokenError, SyntaxError):
        return set()


TRIVIAL_LITERALS = frozenset({"0", "1", "-1", "''", '""', "2"})


def copied_literals(patch: Patch, sources: Mapping[str, str], test_sources: Iterable[str]) -> list[str]:
    """Literals the patch introduces that the code lacked and the tests contain: a sign of overfitting."""
    seen_in_tests: set[str] = set()
    for text in test_sources:
        seen_in_tests |= literals(text)
    original: set[str] = set()
    for text in sources.values():
        original |= literals(text)
    introduced: set[str] = set()
    for edit in patch.edits:
        introduced |= literals(edit.text)
    return sorted((introduced - original - TRIVIAL_LITERALS) & seen_in_tests)


def identity_operations(source: str) -> int:
    """`x * 1`, `x + 0`, `x + 1 - 1` and the like: a patch that adds one reads as a trick, not a fix."""
    try:
        tree = pysource.parse(source)
    except SyntaxError:
        return 0
    neutral = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1, ast.FloorDiv: 1, ast.Pow: 1}
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in neutral and _int_constant(node.right):
            count += int(node.right.value == neutral[type(node.op)])  # type: ignore[attr-defined]
            left = node.left  # `x + 1 - 1`: two constants that fold away
            additive = isinstance(node.op, ast.Add | ast.Sub)
            if additive and isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add | ast.Sub):
                count += int(_int_constant(left.right))
    return count


def _int_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def lines_of(patch: Patch) -> Sequence[tuple[str, int]]:
    return [(e.path, e.line) for e in patch.edits]
