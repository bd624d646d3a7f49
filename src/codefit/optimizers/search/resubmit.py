"""Spending the blind split's verdicts: submit the next-ranked plausible patch when a hidden check
rejected the last one, and report every plausible patch of the base with what became of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codefit.optimizers.base import EventKind, StepResult, StepStatus, TranscriptEvent
from codefit.optimizers.search.carry import Carried, digest
from codefit.optimizers.search.ranking import Plausible, reasons


def resubmit(root: Path, sources: dict[str, str], carried: Carried, session: dict[str, Any]) -> StepResult:
    """A hidden check rejected the last submission: submit the next-ranked plausible patch instead."""
    position, patch = carried.pending()[0]
    last = next((p for p in carried.ranked if digest(carried.tree(p)) == carried.submitted[-1]), None)
    write_tree(root, sources, carried.tree(patch))
    why = (
        f"a hidden check rejected {'`' + last.description + '`' if last else 'the last submission'}; "
        f"submitting plausible patch #{position} of {len(carried.ranked)}"
    )
    summary = f"{why}: {patch.description} ({reasons(patch)})"
    events = [
        TranscriptEvent(
            kind=EventKind.FILE_CHANGE,
            name="chosen patch",
            text=patch.diff,
            data={"paths": sorted(patch.files), "description": patch.description, "tokens": patch.tokens},
        ),
        submission_event(carried, patch, why),
        TranscriptEvent(kind=EventKind.MESSAGE, text=summary),
    ]
    return StepResult(
        status=StepStatus.EDITED,
        summary=summary,
        transcript=tuple(events),
        session=carried.submit(patch).to_session(session),
    )


def submission_event(carried: Carried, chosen: Plausible, why: str) -> TranscriptEvent:
    """Every plausible patch of the base, ranked, with what became of it: the step's report."""
    sent = set(carried.submitted)
    rows = []
    for i, p in enumerate(carried.ranked, start=1):
        mark = "SUBMITTED" if p is chosen else "rejected" if digest(carried.tree(p)) in sent else "kept"
        rows.append(f"#{i} [{mark}] {p.description}: {reasons(p)}")
    return TranscriptEvent(
        kind=EventKind.REASONING,
        name="submission",
        text=f"{why}; plausible patches, best first:\n" + "\n".join(rows),
        data={
            "why": why,
            "submitted": chosen.description,
            "plausible": [p.description for p in carried.ranked],
            "rejected": len(sent),
        },
    )


def write_tree(root: Path, current: dict[str, str], target: dict[str, str]) -> dict[str, str]:
    """Make the editable files read `target` (those it names); returns what they read before."""
    before: dict[str, str] = {}
    for rel, text in target.items():
        if current.get(rel) != text:
            before[rel] = current.get(rel, "")
            (root / rel).write_text(text, encoding="utf-8")
    return {**current, **before} if before else {}
