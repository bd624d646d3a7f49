"""Per-function cyclomatic complexity and size, and the erosion and concentration built on them.

Erosion (SlopCodeBench): the share of complexity mass CC x sqrt(SLOC) held by functions whose CC
exceeds a threshold. Concentration: the Gini coefficient of that mass over all functions.

A nested function is always its own entry. `Nesting` says whether its branches and lines also count
in the functions around it: `separate` (codefit's default: they do not) or `inclusive` (they do, as
in the scb-check tool, so a decorator factory carries its wrapper's complexity).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Sequence
from enum import StrEnum

from radon.visitors import ComplexityVisitor

from codefit.quality.sources import SourceFile
from codefit.records import Record

EROSION_THRESHOLD = 10


class Nesting(StrEnum):
    SEPARATE = "separate"
    INCLUSIVE = "inclusive"


class FunctionMetrics(Record):
    """One function or method; nested functions are their own entries and not counted in the outer."""

    path: str
    name: str
    line: int
    end_line: int
    complexity: int
    sloc: int

    @property
    def mass(self) -> float:
        return self.complexity * math.sqrt(self.sloc)


class ComplexitySummary(Record):
    functions: int
    complexity_max: int
    complexity_mean: float
    erosion: float
    concentration: float


def functions_of(source: SourceFile, nesting: Nesting = Nesting.SEPARATE) -> list[FunctionMetrics]:
    """Every function and method of a file, nested ones included, in line order."""
    spans: list[_Span] = []
    visitor = ComplexityVisitor.from_ast(source.tree)
    ends = _end_lines(source.tree)
    for block in [*visitor.functions, *visitor.classes]:
        _flatten(block, "", ends, spans)
    nested = sorted((span.line, span.end_line) for span in spans)
    found = []
    for span in spans:
        sloc = source.sloc_between(span.line, span.end_line)
        complexity = span.complexity
        if nesting is Nesting.SEPARATE:
            inner = [(a, b) for a, b in nested if span.line < a and b <= span.end_line]
            sloc -= sum(source.sloc_between(a, b) for a, b in _outermost(inner))
        else:
            complexity += span.nested_decisions
        found.append(
            FunctionMetrics(
                path=source.path,
                name=span.name,
                line=span.line,
                end_line=span.end_line,
                complexity=complexity,
                sloc=sloc,
            )
        )
    return sorted(found, key=lambda f: (f.line, f.name))


class _Span(Record):
    name: str
    line: int
    end_line: int
    complexity: int
    nested_decisions: int  # the decision points of every function nested in it, at any depth


def _end_lines(tree: ast.Module) -> dict[tuple[int, int], int]:
    """(line, column) of each `def` -> its last line (radon's own end line misses closing brackets)."""
    return {
        (node.lineno, node.col_offset): node.end_lineno or node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _flatten(block: object, prefix: str, ends: dict[tuple[int, int], int], out: list[_Span]) -> int:
    """Append the spans of `block` and what it nests; returns their decision points (CC - 1 each)."""
    name = f"{prefix}{getattr(block, 'name', '?')}"
    methods = getattr(block, "methods", None)
    if methods is not None:  # a class: its methods and inner classes, not itself
        inner = [*methods, *getattr(block, "inner_classes", [])]
        return sum(_flatten(member, name + ".", ends, out) for member in inner)
    keys = ("lineno", "col_offset", "complexity", "endline")
    line, column, cc, radon_end = (int(getattr(block, key)) for key in keys)
    end = ends.get((line, column), radon_end)
    below = sum(_flatten(closure, name + ".", ends, out) for closure in getattr(block, "closures", []))
    out.append(_Span(name=name, line=line, end_line=end, complexity=cc, nested_decisions=below))
    return cc - 1 + below


def _outermost(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop spans inside other spans, so nested lines are subtracted once."""
    kept: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if kept and first >= kept[-1][0] and last <= kept[-1][1]:
            continue
        kept.append((first, last))
    return kept


def erosion(functions: Iterable[FunctionMetrics], threshold: int = EROSION_THRESHOLD) -> float:
    """Share of complexity mass held by functions with CC above `threshold`; 0 with no mass."""
    items = list(functions)
    total = sum(f.mass for f in items)
    if total <= 0:
        return 0.0
    return sum(f.mass for f in items if f.complexity > threshold) / total


def gini(values: Iterable[float]) -> float:
    """Gini coefficient in [0, 1): 0 when all values are equal (or fewer than two)."""
    ordered = sorted(values)
    n = len(ordered)
    total = sum(ordered)
    if n < 2 or total <= 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def summarise(functions: Sequence[FunctionMetrics], threshold: int = EROSION_THRESHOLD) -> ComplexitySummary:
    return ComplexitySummary(
        functions=len(functions),
        complexity_max=max((f.complexity for f in functions), default=0),
        complexity_mean=(sum(f.complexity for f in functions) / len(functions)) if functions else 0.0,
        erosion=erosion(functions, threshold),
        concentration=gini(f.mass for f in functions),
    )
