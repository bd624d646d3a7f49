"""Dead code through vulture: unused functions, classes, variables, imports and unreachable code."""

from __future__ import annotations

from collections.abc import Sequence

import vulture

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


def dead_code(sources: Sequence[SourceFile], min_confidence: int = MIN_CONFIDENCE) -> list[DeadCode]:
    """Items vulture finds unused across all `sources` together (a use in any file counts)."""
    scanner = vulture.Vulture(verbose=False)
    for source in sources:
        scanner.scan(source.text, filename=source.path)
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
    ]
    return sorted(found, key=lambda d: (d.path, d.line, d.name))
