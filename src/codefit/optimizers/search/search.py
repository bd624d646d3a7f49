"""The search over patches: single edits on the most suspicious lines first, then pairs of the best
single edits (pairs.py), then a beam of multi-edit patches grown from the single edits that fixed
something; plausible patches ranked smallest and most natural first."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import Field

from codefit import pysource
from codefit.optimizers.search.evaluator import EvalStatus, Evaluation
from codefit.optimizers.search.guards import GUARD_OPERATORS
from codefit.optimizers.search.localise import Suspect
from codefit.optimizers.search.operators import EXPRESSION_OPERATORS, Operator
from codefit.optimizers.search.pairs import best_singles, paired
from codefit.optimizers.search.patch import (
    Edit,
    Patch,
    apply,
    changed_tokens,
    copied_literals,
    identity_operations,
    unified_diff,
)
from codefit.optimizers.search.ranking import SUBSTITUTION_OPS, Plausible, rank
from codefit.optimizers.search.reshape import RESHAPE_OPERATORS
from codefit.optimizers.search.source import SourceFile
from codefit.optimizers.search.statements import statement_deletion, statement_insertion
from codefit.records import Record

OPERATORS: list[tuple[Operator, int]] = [
    *EXPRESSION_OPERATORS,
    (statement_deletion, 4),
    (statement_insertion, 5),
    *RESHAPE_OPERATORS,
    *GUARD_OPERATORS,
]

# One candidate to evaluate: files (relative path -> text), tests (None for all), gate; see ForkServer.run
Request = tuple[Mapping[str, str], Sequence[str] | None, int]
# Evaluates a batch of requests (in parallel where it can) and answers in the order of the batch
Evaluate = Callable[[Sequence[Request]], list[Evaluation]]


class Budget(Record):
    max_candidates: int = Field(default=3000, ge=1)
    seconds: float = Field(default=60.0, gt=0)
    max_lines: int = Field(default=15, ge=1, description="Ranked lines per window; widened by as many.")
    max_edits: int = Field(default=2, ge=1)
    beam_width: int = Field(default=6, ge=1)
    max_plausible: int = Field(default=12, ge=1)
    batch: int = Field(default=1, ge=1, description="Candidates evaluated together (parallel workers).")


class Tried(Record):
    """One evaluated candidate and what it did to the tests it ran."""

    description: str
    status: EvalStatus
    fixed: int  # failing tests it made pass
    broke: int  # passing tests it made fail
    plausible: bool = False


class SearchResult(Record):
    tried: tuple[Tried, ...]
    plausible: tuple[Plausible, ...]  # best first
    evaluated: int
    seconds: float
    exhausted: str  # why the search stopped
    lines_searched: int = 0  # ranked lines whose single edits were tried
    lines_ranked: int = 0  # every line a failing test runs, in an editable file
    first_window: int = 0  # the lines searched before any widening

    @property
    def rate(self) -> float:
        return self.evaluated / self.seconds if self.seconds > 0 else 0.0

    def localisation_note(self) -> str:
        """How far localisation went: widened beyond its first window, or lines left unsearched."""
        if self.lines_searched > self.first_window:
            note = f"widened from the {self.first_window} most suspicious lines to {self.lines_searched}"
        else:
            note = f"searched the {self.lines_searched} most suspicious lines"
        left = self.lines_ranked - self.lines_searched
        if left > 0 and not self.plausible:
            note += f"; {left} more ranked line(s) not searched (raise max_lines or step_seconds)"
        elif not self.plausible:
            note += f" of {self.lines_ranked} ranked: every line a failing test runs"
        return note


@dataclass
class Problem:
    """What the search knows: sources (relative path -> text), the tests, their coverage."""

    sources: dict[str, str]
    failing: list[str]
    passing: list[str]
    coverage: Mapping[str, Mapping[str, Sequence[int]]]  # test -> relative path -> lines
    suspects: list[Suspect]
    test_sources: list[str] = field(default_factory=list)
    exclude: set[tuple[tuple[str, str], ...]] = field(default_factory=set)  # trees never to evaluate


def generate_edits(sources: Mapping[str, str], suspects: Sequence[Suspect], max_lines: int) -> list[Edit]:
    """Edits on the most suspicious lines, by line rank, then by how natural the operator is."""
    parsed: dict[str, SourceFile] = {}
    edits: list[Edit] = []
    seen: set[tuple[str, int, int, str]] = set()
    for suspect in suspects[:max_lines]:
        if suspect.path not in sources:
            continue
        if suspect.path not in parsed:
            try:
                parsed[suspect.path] = SourceFile(suspect.path, sources[suspect.path])
            except SyntaxError:
                continue
        src = parsed[suspect.path]
        ranked: list[tuple[int, int, Edit]] = []
        for index, node in enumerate(src.nodes_on({suspect.line})):
            for operator, prior in OPERATORS:
                for edit in operator(src, node):
                    key = (edit.path, edit.start, edit.end, edit.text)
                    if key not in seen and src.text[edit.start : edit.end] != edit.text:
                        seen.add(key)
                        ranked.append((prior, index, edit.model_copy(update={"prior": prior})))
        ranked.sort(key=lambda r: (r[0], r[1]))
        edits.extend(edit for _, _, edit in ranked)
    return edits


def tests_for(problem: Problem, patch: Patch) -> list[str]:
    """The failing tests, and the passing tests that run an edited line (no other can change)."""
    lines = {(e.path, e.line) for e in patch.edits}
    covering = [
        test
        for test in problem.passing
        if any(line in problem.coverage.get(test, {}).get(path, ()) for path, line in lines)
    ]
    return [*problem.failing, *covering]


class _Search:
    def __init__(self, problem: Problem, evaluate: Evaluate, budget: Budget) -> None:
        self.problem = problem
        self.evaluate = evaluate
        self.budget = budget
        self.start = time.monotonic()
        self.tried: list[Tried] = []
        self.plausible: list[Plausible] = []
        self.seen_texts: set[tuple[tuple[str, str], ...]] = set(problem.exclude)
        self.stop = ""
        self.windows = 0  # windows of ranked lines whose single edits were started

    def out_of_budget(self) -> bool:
        if len(self.tried) >= self.budget.max_candidates:
            self.stop = self.stop or f"candidate budget ({self.budget.max_candidates}) spent"
        elif time.monotonic() - self.start >= self.budget.seconds:
            self.stop = self.stop or f"time budget ({self.budget.seconds:g}s) spent"
        elif len(self.plausible) >= self.budget.max_plausible:
            self.stop = self.stop or f"{len(self.plausible)} plausible patches found"
        return bool(self.stop)

    def score(self, patches: Iterable[Patch]) -> list[tuple[Patch, Tried]]:
        """Evaluate patches in order, a batch at a time, until the budget runs out.

        Results are judged in the patches' order whatever order they finished in, and the budget
        is checked before judging each one, so the outcome is the same for any batch size (only a
        few candidates past the stopping point may run for nothing).
        """
        pending = iter(patches)
        out: list[tuple[Patch, Tried]] = []
        while not self.out_of_budget():
            room = min(self.budget.batch, self.budget.max_candidates - len(self.tried))
            batch: list[tuple[Patch, dict[str, str], list[str]]] = []
            while len(batch) < room and (patch := next(pending, None)) is not None:
                candidate = self.prepare(patch)
                if candidate is not None:
                    batch.append(candidate)
            if not batch:
                return out
            gate = len(self.problem.failing)
            results = self.evaluate([(files, tests, gate) for _, files, tests in batch])
            for (patch, files, tests), result in zip(batch, results, strict=True):
                if self.out_of_budget():
                    return out
                out.append((patch, self.judge(patch, files, tests, result)))
        return out

    def prepare(self, patch: Patch) -> tuple[Patch, dict[str, str], list[str]] | None:
        """The patched files and the tests to run; None when it changes nothing new or does not parse."""
        files = apply(patch, self.problem.sources)
        key = tuple(sorted(files.items()))
        if key in self.seen_texts or all(self.problem.sources[p] == t for p, t in files.items()):
            return None
        self.seen_texts.add(key)
        try:
            for text in files.values():
                pysource.parse(text)
        except SyntaxError:
            return None
        return patch, files, tests_for(self.problem, patch)

    def judge(self, patch: Patch, files: dict[str, str], tests: list[str], result: Evaluation) -> Tried:
        fixed = sum(1 for t in self.problem.failing if result.passes(t))
        ran = (
            tests[len(self.problem.failing) :] if fixed else []
        )  # skipped by the gate when nothing was fixed
        broke = sum(1 for t in ran if not result.passes(t))
        plausible = result.status == EvalStatus.OK and fixed == len(self.problem.failing) and broke == 0
        if plausible:
            plausible = self.confirm(patch, files)
        tried = Tried(
            description=patch.describe(),
            status=result.status,
            fixed=fixed,
            broke=broke,
            plausible=plausible,
        )
        self.tried.append(tried)
        return tried

    def confirm(self, patch: Patch, files: dict[str, str]) -> bool:
        """A plausible patch must pass the whole train suite, not only the tests it was run on."""
        (everything,) = self.evaluate([(files, None, 0)])
        if everything.status != EvalStatus.OK or not everything.results:
            return False
        if not all(everything.passes(t) for t in everything.results):
            return False
        before = {p: self.problem.sources[p] for p in files}
        self.plausible.append(
            Plausible(
                description=patch.describe(),
                edits=len(patch.edits),
                tokens=changed_tokens(before, files),
                prior=sum(e.prior for e in patch.edits),
                copied_literals=tuple(
                    copied_literals(patch, self.problem.sources, self.problem.test_sources)
                ),
                identities=sum(
                    identity_operations(t) - identity_operations(before[p]) for p, t in files.items()
                ),
                diff=unified_diff(before, files),
                files=files,
                kind_changes=sum(e.kind_change for e in patch.edits),
                substitutions=sum(e.op in SUBSTITUTION_OPS for e in patch.edits),
                spread=len(tests_for(self.problem, patch)) - len(self.problem.failing),
            )
        )
        return True

    def run(self, windows: Iterable[Sequence[Edit]]) -> None:
        """Single edits window by window (the most suspicious lines first, widened while nothing
        plausible is found), then a beam of multi-edit patches over every edit generated."""
        singles: list[tuple[Tried, Edit]] = []
        edits: list[Edit] = []
        for window in windows:
            self.windows += 1
            edits += window
            scored = self.score(Patch(edits=(e,)) for e in window)
            singles += [(tried, patch.edits[0]) for patch, tried in scored]
            if self.stop:
                return
            if self.plausible:
                self.stop = "all single edits tried"
                return
        if self.budget.max_edits < 2:
            self.stop = "all single edits tried"
            return
        self.score(paired(best_singles(singles), edits))
        if self.stop:
            return
        if self.plausible:
            self.stop = "plausible two-edit patch found"
            return
        self.beam(singles, edits)

    def beam(self, singles: Sequence[tuple[Tried, Edit]], edits: Sequence[Edit]) -> None:
        """Grow patches edit by edit from those that fixed a failing test."""
        promising = sorted((s for s in singles if s[0].fixed > 0), key=lambda s: -(s[0].fixed - s[0].broke))
        beam = [(t.fixed - t.broke, Patch(edits=(e,))) for t, e in promising[: self.budget.beam_width]]
        for _depth in range(2, self.budget.max_edits + 1):
            children: list[tuple[int, Patch]] = []
            for parent_score, parent in beam:
                offspring = (parent.plus(edit) for edit in edits if parent.compatible(edit))
                for child, tried in self.score(offspring):
                    if tried.fixed - tried.broke > parent_score:
                        children.append((tried.fixed - tried.broke, child))
                if self.stop:
                    return
                if self.plausible:
                    self.stop = "plausible multi-edit patch found"
                    return
            beam = sorted(children, key=lambda c: -c[0])[: self.budget.beam_width]
            if not beam:
                break
        self.stop = self.stop or "search space exhausted"


def line_windows(problem: Problem, size: int) -> Iterator[list[Edit]]:
    """The edits of the ranked lines, `size` lines at a time, most suspicious first."""
    for start in range(0, len(problem.suspects), size):
        yield generate_edits(problem.sources, problem.suspects[start : start + size], size)


def search(problem: Problem, evaluate: Evaluate, budget: Budget) -> SearchResult:
    engine = _Search(problem, evaluate, budget)
    engine.run(line_windows(problem, budget.max_lines))
    ranked = len(problem.suspects)
    return SearchResult(
        tried=tuple(engine.tried),
        plausible=tuple(rank(engine.plausible)),
        evaluated=len(engine.tried),
        seconds=time.monotonic() - engine.start,
        exhausted=engine.stop or "all candidates tried",
        lines_searched=min(engine.windows * budget.max_lines, ranked),
        lines_ranked=ranked,
        first_window=min(budget.max_lines, ranked),
    )
