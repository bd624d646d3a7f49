"""`SearchOptimizer` (kind "search"): one search episode per fit step, offline, train split only."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from codefit.errors import CodefitError
from codefit.optimizers.base import EventKind, StepResult, StepState, StepStatus, TranscriptEvent
from codefit.optimizers.search.carry import Carried, Verdict, blind_verdict, tests_digest
from codefit.optimizers.search.evaluator import EvalStatus, Evaluation, Limits
from codefit.optimizers.search.localise import Formula, localise, render
from codefit.optimizers.search.pool import EvaluatorPool, default_workers, jobs_for
from codefit.optimizers.search.ranking import reasons
from codefit.optimizers.search.resubmit import resubmit, submission_event, write_tree
from codefit.optimizers.search.search import Budget, Problem, Request, SearchResult, search
from codefit.optimizers.search.timing import bounded, hang_limits, reference_seconds
from codefit.progress import RateNote
from codefit.records import Options
from codefit.sensors.base import Sensor
from codefit.sensors.pytest_sensor import PytestSensor
from codefit.testfiles import is_test_code

TRIED_IN_TRANSCRIPT = 200
BATCH_PER_WORKER = 4  # candidates queued per worker: keeps each busy while the search judges results


class SearchOptions(Options):
    max_candidates: int = Field(default=3000, ge=1, description="Candidates evaluated per step at most.")
    step_seconds: float = Field(default=60.0, gt=0, description="Seconds of search per step at most.")
    max_lines: int = Field(
        default=15, ge=1, description="Ranked lines searched at a time; widened while nothing is plausible."
    )
    max_edits: int = Field(default=2, ge=1, description="Edits per patch (beyond 1: beam search).")
    beam_width: int = Field(default=6, ge=1, description="Patches kept per beam generation.")
    max_plausible: int = Field(default=12, ge=1, description="Stop after this many plausible patches.")
    formula: Formula = Field(default=Formula.OCHIAI, description="Suspiciousness: ochiai or tarantula.")
    candidate_timeout: float = Field(default=5.0, gt=0, description="Seconds for one candidate's tests.")
    memory_mb: int = Field(default=512, gt=0, description="Memory one candidate may add (MiB).")
    fork: bool = Field(default=True, description="Fork server; false = a fresh process per candidate.")
    workers: int | None = Field(
        default=None, ge=1, description="Fork servers evaluating in parallel; default: min(2, cores)."
    )


class SearchOptimizer:
    """Localise the fault from the train tests' coverage, search edits, apply the best plausible patch."""

    options_model: ClassVar[type[Options]] = SearchOptions
    kind: ClassVar[str] = "search"

    def __init__(self, options: SearchOptions | None = None) -> None:
        self.options = options or SearchOptions()

    def step(self, state: StepState) -> StepResult:
        try:
            return self._step(state)
        except CodefitError as exc:
            return _result(StepStatus.ERROR, str(exc), [_event(EventKind.ERROR, str(exc))], error=str(exc))
        except OSError as exc:
            message = f"the search could not run: {exc}"
            return _result(StepStatus.ERROR, message, [_event(EventKind.ERROR, message)], error=message)

    def _step(self, state: StepState) -> StepResult:
        sensor = _pytest_sensor(state.train_sensors)
        if sensor is None:
            message = "the search optimizer needs a pytest sensor in the train split"
            return _result(StepStatus.GAVE_UP, message, [_event(EventKind.MESSAGE, message)])
        root = state.workspace.resolve()
        sources = editable_sources(root, state.writable, state.protected)
        tests = tests_digest(_test_files(root))
        carried = Carried.from_session(state.session)
        exclude: set[tuple[tuple[str, str], ...]] = set()
        restore: dict[str, str] = {}  # the tree to put back if a search from the base finds nothing
        rejected = blind_verdict(state.blind) == Verdict.REJECTED
        if carried is not None and rejected and carried.applies_to(sources, tests):
            if carried.pending():
                return resubmit(root, sources, carried, state.session)
            # every plausible patch was graded and rejected: search the base again, past them
            restore = write_tree(root, sources, carried.base)
            sources, exclude = dict(carried.base), carried.graded()
        limits = Limits(
            timeout_s=self.options.candidate_timeout,
            test_timeout_s=sensor.test_timeout_s(),
            memory_mb=self.options.memory_mb,
            startup_s=self._budget(state, 1).seconds,  # collecting is part of the step's time
        )
        events: list[TranscriptEvent] = []
        with EvaluatorPool(
            root,
            state.sensor_context.python,
            state.sensor_context.env,
            sensor.args(),
            limits=limits,
            fork=self.options.fork,
            workers=self.options.workers or default_workers(),
            sandbox=state.sensor_context.sandbox(root),
        ) as server:
            baseline, failing, passing = measure_baseline(server, limits)
            if not failing:
                message = f"all {len(passing)} train tests pass; nothing to repair"
                return _result(StepStatus.NO_CHANGE, message, [_event(EventKind.MESSAGE, message)])
            limits = server.limits
            problem = _problem(root, sources, baseline, failing, passing, self.options.formula, exclude)
            events.append(_localisation_event(problem, failing))
            if not problem.suspects:
                message = "no editable line is run by a failing test; nothing to search"
                write_tree(root, sources, restore)
                return _result(StepStatus.GAVE_UP, message, [*events, _event(EventKind.MESSAGE, message)])

            rate = RateNote("search: candidates")  # candidates per second, while a person waits

            def evaluate(batch: Sequence[Request]) -> list[Evaluation]:
                evaluations = server.run_many(jobs_for(root, batch))
                rate.add(len(evaluations))
                return evaluations

            outcome = search(problem, evaluate, self._budget(state, server.workers))
        events.extend(_search_events(outcome, limits))
        if not outcome.plausible:
            message = (
                f"no plausible patch among {outcome.evaluated} candidates "
                f"({outcome.rate:.0f}/s; {outcome.exhausted}); {outcome.localisation_note()}"
            )
            if exclude:
                message += f"; {len(exclude)} plausible patch(es) already graded and rejected"
            write_tree(root, sources, restore)
            return _result(StepStatus.GAVE_UP, message, [*events, _event(EventKind.MESSAGE, message)])
        fresh = Carried(base=sources, tests=tests, ranked=outcome.plausible)
        if exclude and carried is not None:  # searched past rejected patches: remember them all
            fresh = carried.model_copy(update={"ranked": (*carried.ranked, *outcome.plausible)})
        best = outcome.plausible[0]
        write_tree(root, sources, fresh.tree(best))
        events.append(
            TranscriptEvent(
                kind=EventKind.FILE_CHANGE,
                name="chosen patch",
                text=best.diff,
                data={"paths": sorted(best.files), "description": best.description, "tokens": best.tokens},
            )
        )
        events.append(submission_event(fresh, best, "the best-ranked plausible patch"))
        summary = (
            f"applied {best.description} ({best.tokens} tokens changed; {reasons(best)}); "
            f"{len(outcome.plausible)} plausible of {outcome.evaluated} candidates in "
            f"{outcome.seconds:.1f}s ({outcome.rate:.0f}/s)"
        )
        if len(outcome.plausible) > 1:
            summary += f"; {len(outcome.plausible) - 1} kept for the next step should a hidden check fail"
        if outcome.lines_searched > outcome.first_window:
            summary += f"; localisation {outcome.localisation_note()}"
        return _result(
            StepStatus.EDITED,
            summary,
            [*events, _event(EventKind.MESSAGE, summary)],
            session=fresh.submit(best).to_session(state.session),
        )

    def _budget(self, state: StepState, workers: int) -> Budget:
        return Budget(
            max_candidates=self.options.max_candidates,
            seconds=min(self.options.step_seconds, max(state.timeout_s * 0.8, 1.0)),
            max_lines=self.options.max_lines,
            max_edits=self.options.max_edits,
            beam_width=self.options.beam_width,
            max_plausible=self.options.max_plausible,
            batch=1 if workers == 1 else BATCH_PER_WORKER * workers,
        )


def measure_baseline(
    server: EvaluatorPool, limits: Limits | None = None
) -> tuple[Evaluation, list[str], list[str]]:
    """The untouched tree's failing and passing tests, and their per-test line coverage.

    Which tests fail comes from a plain run, as candidates are judged: a coverage run is slower
    (much slower where coverage.py is missing from the target environment and lines are traced
    in Python), and a test it did not reach in time has not failed. Coverage is then taken for
    the failing tests first, the passing ones after: a passing test the coverage run did not reach
    only leaves its lines out of the spectrum.

    With `limits`, a baseline that hangs (a buggy loop that never ends) is run again with a short
    alarm per test, so every test reports and the hanging one still leaves its lines; afterwards
    the pool's candidates are bounded by the baseline's own duration (timing.py)."""
    plain = server.run({}, None)
    if plain.status != EvalStatus.OK and limits is not None:
        server.set_limits(hang_limits(limits))
        plain = server.run({}, None)
    failing = [t for t in server.collected.items if not plain.passes(t)]
    passing = [t for t in server.collected.items if plain.passes(t)]
    failed = server.run({}, failing, coverage=True) if failing else plain
    covered = dict(failed.coverage)
    if failing and passing:
        covered.update(server.run({}, passing, coverage=True).coverage)
    if limits is not None:
        timed = server.run({}, passing) if failing and passing else None
        empty = server.run({}, []) if timed is not None else None
        reference, own = _reference(plain, timed, empty)
        cpu_reference, cpu_own = _reference(plain, timed, empty, cpu=True)
        cpu = None if cpu_reference is None else (cpu_reference, cpu_own or 0.0)
        server.set_limits(bounded(limits, reference, own, cpu))
    failing += [e.split(": ", 1)[0] for e in server.collected.errors]
    return failed.model_copy(update={"coverage": covered}), failing, passing


def _reference(
    plain: Evaluation, timed: Evaluation | None, empty: Evaluation | None, *, cpu: bool = False
) -> tuple[float | None, float | None]:
    """The untouched suite's time (timing.reference_seconds) and the tests' own part of it, in
    wall-clock seconds or, with `cpu`, in CPU seconds."""
    if cpu:
        plain = _as_cpu(plain)
        timed, empty = (None if e is None else _as_cpu(e) for e in (timed, empty))
    reference = reference_seconds(plain, timed, empty)
    fixed = empty.duration_s if empty is not None and empty.status == EvalStatus.OK else 0.0
    return reference, None if reference is None else max(reference - fixed, 0.0)


def _as_cpu(run: Evaluation) -> Evaluation:
    return run.model_copy(update={"duration_s": run.cpu_s})


def _test_files(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if is_test_code(rel) and not any(part.startswith(".") for part in rel.split("/")):
            out[rel] = path.read_text(encoding="utf-8", errors="replace")
    return out


def _pytest_sensor(sensors: Sequence[Sensor]) -> PytestSensor | None:
    return next((s for s in sensors if isinstance(s, PytestSensor)), None)


def editable_sources(root: Path, writable: Sequence[str], protected: Sequence[str]) -> dict[str, str]:
    """Python files the optimizer may change: writable, not protected, not tests."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or is_test_code(rel):
            continue
        if writable and not any(fnmatch.fnmatch(rel, g) for g in writable):
            continue
        if any(fnmatch.fnmatch(rel, g) for g in protected):
            continue
        out[rel] = path.read_text(encoding="utf-8")
    return out


def _problem(
    root: Path,
    sources: dict[str, str],
    baseline: Evaluation,
    failing: list[str],
    passing: list[str],
    formula: Formula,
    exclude: set[tuple[tuple[str, str], ...]] | None = None,
) -> Problem:
    prefix = str(root) + "/"

    def rel(path: str) -> str:
        return path[len(prefix) :] if path.startswith(prefix) else path

    coverage = {
        test: {rel(p): lines for p, lines in files.items()} for test, files in baseline.coverage.items()
    }
    traces = {
        test: [(rel(p), line) for p, line in baseline.results[test].trace]
        for test in failing
        if test in baseline.results
    }
    suspects = localise(coverage, failing, passing, traces, formula=formula, keep=lambda p: p in sources)
    test_sources = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(root.rglob("*.py"))
        if is_test_code(p.relative_to(root).as_posix())
    ]
    return Problem(
        sources=sources,
        failing=failing,
        passing=passing,
        coverage=coverage,
        suspects=suspects,
        test_sources=test_sources,
        exclude=exclude or set(),
    )


def _localisation_event(problem: Problem, failing: list[str]) -> TranscriptEvent:
    text = f"{len(failing)} failing train test(s); most suspicious lines:\n{render(problem.suspects)}"
    return TranscriptEvent(
        kind=EventKind.REASONING,
        name="localisation",
        text=text,
        data={
            "failing": failing,
            "suspects": [s.model_dump() for s in problem.suspects[:50]],
        },
    )


def _search_events(outcome: SearchResult, limits: Limits) -> list[TranscriptEvent]:
    by_op: dict[str, int] = {}
    for tried in outcome.tried:
        by_op[tried.status] = by_op.get(tried.status, 0) + 1
    tried_text = "\n".join(
        f"{t.description}: fixed {t.fixed}, broke {t.broke}{' PLAUSIBLE' if t.plausible else ''}"
        f"{'' if t.status == 'ok' else ' [' + t.status + ']'}"
        for t in outcome.tried[:TRIED_IN_TRANSCRIPT]
    )
    events = [
        TranscriptEvent(
            kind=EventKind.REASONING,  # a report of work done in-process, never a shell command
            name="search",
            text=f"evaluated {outcome.evaluated} candidates in {outcome.seconds:.1f}s "
            f"({outcome.rate:.0f}/s, {limits.timeout_s:.2g}s each at most); stopped: {outcome.exhausted}; "
            f"{outcome.localisation_note()}\n"
            f"{tried_text}",
            data={
                "evaluated": outcome.evaluated,
                "seconds": outcome.seconds,
                "candidate_timeout_s": limits.timeout_s,
                "test_cpu_s": limits.test_cpu_s,
                "cpu_s": limits.cpu_s,
                "statuses": by_op,
                "stopped": outcome.exhausted,
                "lines_searched": outcome.lines_searched,
                "lines_ranked": outcome.lines_ranked,
                "tried": [t.model_dump() for t in outcome.tried[:TRIED_IN_TRANSCRIPT]],
            },
        )
    ]
    for i, plausible in enumerate(outcome.plausible):
        note = (
            f" (copies test literals {', '.join(plausible.copied_literals)})"
            if plausible.copied_literals
            else ""
        )
        events.append(
            TranscriptEvent(
                kind=EventKind.MESSAGE,
                name="plausible patch",
                text=f"#{i + 1} {plausible.description}: {plausible.tokens} tokens{note}\n{plausible.diff}",
                data={k: v for k, v in plausible.model_dump().items() if k != "files"},
            )
        )
    return events


def _event(kind: EventKind, text: str) -> TranscriptEvent:
    return TranscriptEvent(kind=kind, text=text)


def _result(
    status: StepStatus,
    summary: str,
    events: list[TranscriptEvent],
    error: str | None = None,
    session: dict[str, Any] | None = None,
) -> StepResult:
    return StepResult(
        status=status, summary=summary, transcript=tuple(events), error=error, session=session or {}
    )
