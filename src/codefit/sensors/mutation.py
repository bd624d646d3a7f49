"""The `mutation` sensor: how much of the code the visible tests really check.

It reuses the search optimizer's fork-server evaluator: pytest collects the session once, one
baseline run records which passing tests cover which lines, then each mutant runs in a forked
child against only the tests that cover its line. Survivors are findings: where the loss is blind.

It is costly, so configure it where it runs rarely: `split = "validation"` (read on the
optimizer's validation queries) or `split = "test"` (read once at the end of a run).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import CodefitError, SensorError
from codefit.optimizers.search.evaluator import EvalStatus, Evaluation, Limits
from codefit.optimizers.search.pool import EvaluatorPool, Job, default_workers
from codefit.quality.mutants import (
    OPERATORS,
    Mutant,
    MutantResult,
    MutantStatus,
    MutationSummary,
    covering_tests,
    mutants_of,
    mutated,
    sample,
    summarise,
)
from codefit.quality.sources import DEFAULT_EXCLUDE, discover
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorContext, SensorSettings
from codefit.spec import Split

BATCH_PER_WORKER = 8  # mutants handed to each server between two deadline checks


class MutationOptions(Options):
    args: list[str] = Field(default_factory=list, description="Arguments after `pytest` (the visible tests).")
    include: list[str] = Field(default_factory=list, description="Code to mutate; empty = `src` or the tree.")
    exclude: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDE), description="Globs not mutated."
    )
    operators: list[str] = Field(default_factory=lambda: list(OPERATORS), description="Mutation operators.")
    max_mutants: int = Field(default=300, ge=1, description="Mutants run at most (sampled reproducibly).")
    seed: int = Field(default=0, description="Seed of the sample.")
    min_score: float = Field(default=0.0, ge=0, le=1, description="Mutation score below which it fails.")
    timeout: float = Field(default=600.0, gt=0, description="Seconds for all mutants; the rest are not run.")
    test_timeout: float = Field(default=2.0, ge=0, description="Seconds per test under a mutant.")
    fork: bool = Field(default=True, description="Fork per mutant (False: a fresh process each, slower).")
    workers: int | None = Field(
        default=None, ge=1, description="Fork servers running mutants side by side (default: min(2, cores))."
    )


class MutationSensor:
    options_model: ClassVar[type[Options]] = MutationOptions
    # Where it belongs when the config names no split (read by the config loader, if it asks).
    default_split: ClassVar[Split] = Split.VALIDATION

    def __init__(self, settings: SensorSettings, options: MutationOptions) -> None:
        unknown = sorted(set(options.operators) - set(OPERATORS))
        if unknown:
            raise SensorError(
                f"unknown mutation operators {unknown}; expected some of {sorted(OPERATORS)}",
                where=f"sensor {settings.name!r}",
            )
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        start = time.monotonic()
        tree = tree.resolve()
        include = self.options.include or (["src"] if (tree / "src").is_dir() else [])
        texts = {
            rel: (tree / rel).read_text(encoding="utf-8", errors="replace")
            for rel in discover(tree, include, self.options.exclude)
        }
        candidates = [m for rel, text in texts.items() for m in mutants_of(rel, text, self.options.operators)]
        chosen = sample(candidates, self.options.max_mutants, self.options.seed)
        limits = Limits(
            timeout_s=max(5.0, self.options.test_timeout * 5), test_timeout_s=self.options.test_timeout
        )
        try:
            with EvaluatorPool(
                tree,
                ctx.python,
                ctx.env,
                self.options.args,
                limits=limits,
                fork=self.options.fork,
                workers=self.options.workers or default_workers(),
            ) as server:
                baseline = server.run({}, None, coverage=True)
                if not _passing(baseline):
                    return self._broken(
                        "no visible test passes on this tree: nothing can kill a mutant", start
                    )
                results = self._run_mutants(server, baseline, chosen, texts, tree, start, ctx)
        except CodefitError as exc:
            return self._broken(f"the test session could not start: {exc.message}", start)
        summary = summarise(results)
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=summary.score,
            passed=summary.score >= self.options.min_score,
            counts=Counts(
                total=summary.mutants - summary.invalid - summary.not_run,
                passed=summary.killed + summary.timeout,
                failed=summary.survived + summary.no_coverage,
                skipped=summary.invalid + summary.not_run,
            ),
            duration_s=time.monotonic() - start,
            findings=tuple(survivor_findings(results)),
            output=_describe(summary, len(candidates)),
            metrics=mutation_metrics(summary, len(candidates)),
        )

    def _run_mutants(
        self,
        server: EvaluatorPool,
        baseline: Evaluation,
        chosen: list[Mutant],
        texts: dict[str, str],
        tree: Path,
        start: float,
        ctx: SensorContext,
    ) -> list[MutantResult]:
        passing = _passing(baseline)
        coverage = _coverage_by_file(baseline, passing, tree)
        deadline = start + min(self.options.timeout, ctx.timeout_s)
        results: dict[int, MutantResult] = {}
        runnable: list[tuple[int, Mutant, list[str]]] = []
        for i, mutant in enumerate(chosen):
            tests = covering_tests(mutant, coverage.get(mutant.path, {}))
            if tests:
                runnable.append((i, mutant, tests))
            else:
                results[i] = MutantResult(mutant=mutant, status=MutantStatus.NO_COVERAGE)
        # Batches spread over the servers; the deadline is checked between them.
        batch = BATCH_PER_WORKER * server.workers
        for first in range(0, len(runnable), batch):
            chunk = runnable[first : first + batch]
            if time.monotonic() > deadline:
                results.update((i, MutantResult(mutant=m, status=MutantStatus.NOT_RUN)) for i, m, _ in chunk)
                continue
            jobs = [
                Job(files={tree / m.path: mutated(texts[m.path], m)}, tests=tuple(tests))
                for _, m, tests in chunk
            ]
            for (i, mutant, tests), evaluation in zip(chunk, server.run_many(jobs), strict=True):
                results[i] = judge(mutant, evaluation, tests)
        return [results[i] for i in range(len(chosen))]

    def _broken(self, error: str, start: float) -> Reading:
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=0.0,
            passed=False,
            duration_s=time.monotonic() - start,
            error=error,
        )


def judge(mutant: Mutant, evaluation: Evaluation, tests: list[str]) -> MutantResult:
    """Killed when a covering test stops passing; a hang or a crash counts as noticed."""
    if evaluation.status == EvalStatus.INVALID:
        return MutantResult(mutant=mutant, status=MutantStatus.INVALID)
    if evaluation.status in (EvalStatus.TIMEOUT, EvalStatus.CRASHED):
        return MutantResult(mutant=mutant, status=MutantStatus.TIMEOUT, tests_run=len(tests))
    failing = [t for t in tests if not evaluation.passes(t)]
    if failing:
        return MutantResult(
            mutant=mutant, status=MutantStatus.KILLED, tests_run=len(tests), killed_by=failing[0]
        )
    return MutantResult(mutant=mutant, status=MutantStatus.SURVIVED, tests_run=len(tests))


def survivor_findings(results: list[MutantResult]) -> list[Finding]:
    findings = []
    for r in results:
        m = r.mutant
        if r.status == MutantStatus.SURVIVED:
            tests = (
                "1 covering test still passes"
                if r.tests_run == 1
                else f"{r.tests_run} covering tests still pass"
            )
            message = f"mutant survives ({m.op}: {m.description}): {tests}"
            rule = "surviving-mutant"
        elif r.status == MutantStatus.NO_COVERAGE:
            message = f"mutant survives ({m.op}: {m.description}): no passing test runs this line"
            rule = "uncovered-mutant"
        else:
            continue
        findings.append(Finding(path=m.path, line=m.line, rule=rule, message=message))
    return findings


def mutation_metrics(summary: MutationSummary, generated: int) -> dict[str, float]:
    return {
        "mutation_score": summary.score,
        "mutants": float(summary.mutants),
        "mutants_generated": float(generated),
        "mutants_killed": float(summary.killed),
        "mutants_survived": float(summary.survived),
        "mutants_no_coverage": float(summary.no_coverage),
        "mutants_timeout": float(summary.timeout),
        "mutants_invalid": float(summary.invalid),
        "mutants_not_run": float(summary.not_run),
    }


def _describe(summary: MutationSummary, generated: int) -> str:
    return (
        f"mutation score {summary.score:.3f}: {summary.killed} killed, {summary.timeout} timed out, "
        f"{summary.survived} survived, {summary.no_coverage} not covered, {summary.invalid} invalid, "
        f"{summary.not_run} not run ({summary.mutants} of {generated} mutants)"
    )


def _passing(baseline: Evaluation) -> list[str]:
    return sorted(n for n, r in baseline.results.items() if baseline.passes(n))


def _coverage_by_file(
    baseline: Evaluation, passing: list[str], tree: Path
) -> dict[str, dict[str, frozenset[int]]]:
    """{relative path: {test: lines}} from the baseline's per-test coverage of passing tests."""
    root = os.path.realpath(tree)
    out: dict[str, dict[str, frozenset[int]]] = {}
    for test in passing:
        for path, lines in baseline.coverage.get(test, {}).items():
            real = os.path.realpath(path)
            if real.startswith(root + os.sep):
                rel = Path(os.path.relpath(real, root)).as_posix()
                out.setdefault(rel, {})[test] = frozenset(lines)
    return out
