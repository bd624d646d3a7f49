"""Per-function cyclomatic complexity and size, and the erosion and concentration built on them.

Erosion (SlopCodeBench): the share of complexity mass CC x sqrt(SLOC) held by functions whose CC
exceeds a threshold. Concentration: the Gini coefficient of that mass over all functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from radon.visitors import ComplexityVisitor

from codefit.quality.sources import SourceFile
from codefit.records import Record

EROSION_THRESHOLD = 10


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


def functions_of(source: SourceFile) -> list[FunctionMetrics]:
    """Every function and method of a file, nested ones included, in line order."""
    spans: list[tuple[str, int, int, int]] = []
    visitor = ComplexityVisitor.from_ast(source.tree)
    for block in [*visitor.functions, *visitor.classes]:
        _flatten(block, "", spans)
    nested = sorted((first, last) for _, first, last, _ in spans)
    found = []
    for name, first, last, cc in spans:
        inner = [(a, b) for a, b in nested if first < a and b <= last]
        sloc = source.sloc_between(first, last) - sum(source.sloc_between(a, b) for a, b in _outermost(inner))
        found.append(
            FunctionMetrics(path=source.path, name=name, line=first, end_line=last, complexity=cc, sloc=sloc)
        )
    return sorted(found, key=lambda f: (f.line, f.name))


def _flatten(block: object, prefix: str, out: list[tuple[str, int, int, int]]) -> None:
    name = f"{prefix}{getattr(block, 'name', '?')}"
    methods = getattr(block, "methods", None)
    if methods is not None:  # a class: its methods and inner classes, not itself
        for method in methods:
            _flatten(method, name + ".", out)
        for inner in getattr(block, "inner_classes", []):
            _flatten(inner, name + ".", out)
        return
    line, end, cc = (int(getattr(block, key)) for key in ("lineno", "endline", "complexity"))
    out.append((name, line, end, cc))
    for closure in getattr(block, "closures", []):
        _flatten(closure, name + ".", out)


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
