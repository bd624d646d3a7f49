"""Two-edit patches built from the best single edits, before the wider beam.

A fix that needs two tokens changed (`n == 0` -> `n <= 1`) shows up as a single edit that repairs some
failing tests while breaking others (`n == 1`); its partner alone repairs nothing (`n <= 0`). So the
single edits that repaired the most (net of what they broke) are combined pairwise with each other
and with the other edits of their own line, a bounded number of candidates, before the beam grows
patches from every edit generated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from codefit.optimizers.search.patch import Edit, Patch

TOP = 8  # single edits that fixed a failing test, best first, combined pairwise
SAME_LINE = 40  # partners of one such edit taken from its own line


class Scored(Protocol):
    """A single edit's record: how many failing tests it fixed and passing ones it broke."""

    @property
    def fixed(self) -> int: ...

    @property
    def broke(self) -> int: ...


def best_singles(singles: Sequence[tuple[Scored, Edit]], top: int = TOP) -> list[Edit]:
    """The single edits that fixed a failing test, most net fixes first (ties: the search's order)."""
    useful = [(tried, edit) for tried, edit in singles if tried.fixed > 0]
    useful.sort(key=lambda s: -(s[0].fixed - s[0].broke))
    return [edit for _, edit in useful[:top]]


def paired(best: Sequence[Edit], edits: Sequence[Edit], same_line: int = SAME_LINE) -> Iterator[Patch]:
    """Each pair of the best single edits, then each of them with the other edits of its line."""
    for i, first in enumerate(best):
        for second in best[i + 1 :]:
            if not first.overlaps(second):
                yield Patch(edits=(first, second))
    for first in best:
        partners = [e for e in edits if e.path == first.path and e.line == first.line and e != first]
        for second in partners[:same_line]:
            if not first.overlaps(second):
                yield Patch(edits=(first, second))
