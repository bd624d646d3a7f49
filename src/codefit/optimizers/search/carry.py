"""Plausible patches carried from step to step in the optimizer's session: the blind split's verdicts spent.

A step that finds several plausible patches submits the best-ranked one and keeps the others. When the
next step's feedback says a hidden check failed, the submitted patch did not generalize: that step
submits the next-ranked patch of the same base instead of searching again (every train test already
passes, so a new search would have nothing to repair). A tree once submitted is never submitted again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from codefit.optimizers.base import HiddenVerdict
from codefit.optimizers.search.ranking import Plausible
from codefit.records import Record

SESSION_KEY = "search"


class Verdict(StrEnum):
    REJECTED = "rejected"  # a hidden check failed on the submitted tree
    ACCEPTED = "accepted"  # every hidden check shown passed
    UNKNOWN = "unknown"  # no hidden verdict in the feedback (none queried, or feedback level none)


def blind_verdict(answers: Sequence[HiddenVerdict]) -> Verdict:
    """What the hidden checks said of the last submission: the harness's structured answers, never
    the feedback text (a custom feedback template may word or drop the verdict line)."""
    shown = [a.passed for a in answers if a.passed is not None]
    if not shown:
        return Verdict.UNKNOWN
    return Verdict.ACCEPTED if all(shown) else Verdict.REJECTED


def digest(files: Mapping[str, str]) -> str:
    """A tree's identity: its editable files, path and text."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return h.hexdigest()


class Carried(Record):
    """What a step leaves for the next: the base it searched, its ranked plausible patches, what was sent."""

    base: dict[str, str]  # editable sources the patches apply to
    tests: str  # digest of the train tests' sources: other tests, other plausible patches
    ranked: tuple[Plausible, ...]  # best first
    submitted: tuple[str, ...] = ()  # digests of the trees submitted (and graded) so far

    @classmethod
    def from_session(cls, session: Mapping[str, Any]) -> Carried | None:
        raw = session.get(SESSION_KEY)
        if not isinstance(raw, dict):
            return None
        try:
            return cls.model_validate(raw)
        except ValidationError:
            return None  # an older or foreign session: search afresh

    def to_session(self, session: Mapping[str, Any]) -> dict[str, Any]:
        return {**session, SESSION_KEY: self.model_dump(mode="json")}

    def tree(self, patch: Plausible) -> dict[str, str]:
        return {**self.base, **patch.files}

    def applies_to(self, sources: Mapping[str, str], tests: str) -> bool:
        """The workspace is this base, or one of the trees submitted from it, under the same tests."""
        return tests == self.tests and (dict(sources) == self.base or digest(sources) in self.submitted)

    def pending(self) -> list[tuple[int, Plausible]]:
        """(rank, patch) of the plausible patches never submitted, best first (rank counts from 1)."""
        return [
            (i, p) for i, p in enumerate(self.ranked, start=1) if digest(self.tree(p)) not in self.submitted
        ]

    def submit(self, patch: Plausible) -> Carried:
        return self.model_copy(update={"submitted": (*self.submitted, digest(self.tree(patch)))})

    def graded(self) -> set[tuple[tuple[str, str], ...]]:
        """The patched files of every submitted tree, as the search keys candidates (never re-run)."""
        sent = set(self.submitted)
        return {tuple(sorted(p.files.items())) for p in self.ranked if digest(self.tree(p)) in sent}


def tests_digest(test_sources: Mapping[str, str]) -> str:
    return digest(test_sources)
