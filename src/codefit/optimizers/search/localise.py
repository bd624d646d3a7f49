"""Spectrum-based fault localisation: which lines do failing tests run that passing tests don't?

Pure functions over per-test line coverage (one coverage context per test item, so each
parametrized case is its own spectrum). Ochiai by default, Tarantula available; ties are broken
by the failing tests' tracebacks (a line where a failing test's call stack passed ranks first,
the innermost frame highest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from enum import StrEnum

from codefit.records import Record

Coverage = Mapping[str, Mapping[str, Sequence[int]]]  # test -> path -> lines
Traces = Mapping[str, Sequence[tuple[str, int]]]  # failing test -> (path, line), outermost first


class Formula(StrEnum):
    OCHIAI = "ochiai"
    TARANTULA = "tarantula"


class Suspect(Record):
    """One line and how suspicious it is."""

    path: str
    line: int
    score: float
    failed: int  # failing tests that run it
    passed: int  # passing tests that run it
    trace_rank: int = 0  # > 0 when a failing test's traceback passes here; higher = deeper


def ochiai(failed: int, passed: int, total_failed: int, total_passed: int) -> float:
    if failed == 0:
        return 0.0
    return failed / math.sqrt(total_failed * (failed + passed))


def tarantula(failed: int, passed: int, total_failed: int, total_passed: int) -> float:
    if failed == 0:
        return 0.0
    fail_ratio = failed / total_failed
    pass_ratio = passed / total_passed if total_passed else 0.0
    return fail_ratio / (fail_ratio + pass_ratio)


FORMULAS: dict[Formula, Callable[[int, int, int, int], float]] = {
    Formula.OCHIAI: ochiai,
    Formula.TARANTULA: tarantula,
}


def spectrum(
    coverage: Coverage, failing: Collection[str], passing: Collection[str]
) -> dict[tuple[str, int], tuple[int, int]]:
    """(path, line) -> (failing tests that run it, passing tests that run it)."""
    counts: dict[tuple[str, int], list[int]] = {}
    for test, files in coverage.items():
        column = 0 if test in failing else 1 if test in passing else None
        if column is None:
            continue
        for path, lines in files.items():
            for line in lines:
                counts.setdefault((path, line), [0, 0])[column] += 1
    return {key: (f, p) for key, (f, p) in counts.items()}


def trace_ranks(traces: Traces, failing: Collection[str]) -> dict[tuple[str, int], int]:
    """Depth of each location in the failing tests' tracebacks (deepest frame = highest)."""
    ranks: dict[tuple[str, int], int] = {}
    for test in failing:
        for depth, location in enumerate(traces.get(test, ()), start=1):
            ranks[location] = max(ranks.get(location, 0), depth)
    return ranks


def localise(
    coverage: Coverage,
    failing: Collection[str],
    passing: Collection[str],
    traces: Traces | None = None,
    *,
    formula: Formula = Formula.OCHIAI,
    keep: Callable[[str], bool] = lambda path: True,
) -> list[Suspect]:
    """Lines of the files `keep` accepts, most suspicious first; lines no failing test runs are left out."""
    score = FORMULAS[formula]
    total_failed = sum(1 for t in failing if t in coverage) or len(failing)
    total_passed = sum(1 for t in passing if t in coverage)
    ranks = trace_ranks(traces or {}, failing)
    suspects = [
        Suspect(
            path=path,
            line=line,
            score=score(f, p, total_failed, total_passed),
            failed=f,
            passed=p,
            trace_rank=ranks.get((path, line), 0),
        )
        for (path, line), (f, p) in spectrum(coverage, failing, passing).items()
        if f > 0 and keep(path)
    ]
    suspects.sort(key=lambda s: (-round(s.score, 9), -s.trace_rank, s.path, s.line))
    return suspects


def render(suspects: Sequence[Suspect], limit: int = 10) -> str:
    """A short table for the transcript."""
    rows = [
        f"{s.path}:{s.line}  score={s.score:.3f}  failing={s.failed} passing={s.passed}"
        + (f"  in traceback (depth {s.trace_rank})" if s.trace_rank else "")
        for s in suspects[:limit]
    ]
    more = f"\n... {len(suspects) - limit} more lines" if len(suspects) > limit else ""
    return "\n".join(rows) + more
