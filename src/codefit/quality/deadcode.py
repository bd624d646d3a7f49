"""Dead code through vulture: unused functions, classes, variables, imports and unreachable code."""

from __future__ import annotations

from collections.abc import Sequence

import vulture

from codefit import pysource
from codefit.quality.sources import SourceFile
from codefit.records import Record

MIN_CONFIDENCE = 60


class DeadCode(Record):
    path: str
    line: int
    end_line: int
    kind: str
    name: str
    confidence: int
    message: str


def dead_code(
    sources: Sequence[SourceFile],
    min_confidence: int = MIN_CONFIDENCE,
    usage: Sequence[SourceFile] = (),
) -> list[DeadCode]:
    """Items of `sources` that vulture finds unused across `sources` and `usage` together.

    `usage` files (the tests) are scanned only for their uses: a function only the tests call is
    used, and what is unused in the tests themselves is not reported.
    """
    scanner = vulture.Vulture(verbose=False)
    for source in [*sources, *usage]:
        with pysource.PARSING:  # vulture parses the text itself
            scanner.scan(source.text, filename=source.path)
    measured = {source.path for source in sources}
    found = [
        DeadCode(
            path=str(item.filename),
            line=int(item.first_lineno),
            end_line=int(item.last_lineno),
            kind=str(item.typ),
            name=str(item.name),
            confidence=int(item.confidence),
            message=str(item.message),
        )
        for item in scanner.get_unused_code(min_confidence=min_confidence)
        if str(item.filename) in measured
    ]
    return sorted(found, key=lambda d: (d.path, d.line, d.name))
