"""The generalization prior: which of several plausible patches (all train tests pass) to submit first.

Every plausible patch fits the visible tests equally well, so the choice is a prior over fixes, in
this order: no literal copied from the tests; fewest edits; no `x * 1` / `x + 1 - 1` tricks; no edit
that changes the kind of computation (`n ** 0.5` -> `n + 0.5`, `1 + f(x)` -> `1 * f(x)`); natural
edits over constant substitutions (`0` -> `1`, `None` -> `[]`); fewest changed tokens; the smallest
behavioural change outside the failing tests' paths (fewest passing tests run the edited lines); the
most natural operators.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from codefit.records import Record

SUBSTITUTION_OPS = frozenset({"constant"})  # `0` -> `1`, `None` -> `[]`; +-1 on a constant is not one


class Plausible(Record):
    """A patch under which every train test passes."""

    description: str
    edits: int
    tokens: int
    prior: int
    copied_literals: tuple[str, ...]
    identities: int  # `x * 1`-style operations the patch adds
    diff: str
    files: dict[str, str]
    kind_changes: int = Field(default=0, description="Edits that change the kind of computation.")
    substitutions: int = Field(default=0, description="Edits that replace a constant by another.")
    spread: int = Field(default=0, description="Passing tests that run an edited line.")


def rank_key(p: Plausible) -> tuple[bool, int, bool, int, int, int, int, int]:
    return (
        bool(p.copied_literals),
        p.edits,
        p.identities > 0,
        p.kind_changes,
        p.substitutions,
        p.tokens,
        p.spread,
        p.prior,
    )


def rank(plausible: Iterable[Plausible]) -> list[Plausible]:
    """Best first, by the prior above (a stable sort: equal patches keep the search's order)."""
    return sorted(plausible, key=rank_key)


def reasons(p: Plausible) -> str:
    """The prior's view of one patch, in words, for the step's report."""
    parts = [
        f"copies test literals {', '.join(p.copied_literals)}" if p.copied_literals else "no test literal",
        f"{p.edits} edit{'s' if p.edits != 1 else ''}",
    ]
    if p.identities > 0:
        parts.append("adds an identity operation")
    if p.kind_changes:
        parts.append("changes the kind of computation")
    if p.substitutions:
        parts.append("substitutes a constant")
    parts.append(f"{p.tokens} token{'s' if p.tokens != 1 else ''} changed")
    parts.append(f"{p.spread} passing test{'s' if p.spread != 1 else ''} run the edited lines")
    return ", ".join(parts)
