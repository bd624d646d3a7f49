"""A pool of fork servers: parallel batches give the serial outcomes, in order, with containment."""

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from codefit.optimizers.base import EventKind, StepResult
from codefit.optimizers.search import SearchOptimizer, SearchOptions, evaluator
from codefit.optimizers.search.evaluator import EvalStatus, Limits
from codefit.optimizers.search.pool import EvaluatorPool, Job
from codefit.sensors.base import Outcome
from tests.conftest import MakeRepo
from tests.optimizers.search.test_evaluator import (
    ADD_ONE,
    ADD_ZERO,
    FIXED,
    HISTORY,
    MODULE,
    PATHOLOGICAL,
    TESTS,
    patched,
)
from tests.optimizers.search.test_optimizer import state_for

ENV = {"PATH": "/usr/bin:/bin"}
LIMITS = Limits(timeout_s=3.0, test_timeout_s=1.0, memory_mb=256)


def pool_for(repo: Path, workers: int) -> EvaluatorPool:
    return EvaluatorPool(repo, sys.executable, ENV, ["tests"], limits=LIMITS, workers=workers)


def test_parallel_evaluation_returns_the_same_outcomes_as_serial(make_repo: MakeRepo) -> None:
    repo = make_repo({"calc.py": MODULE, "tests/test_calc.py": TESTS})
    calc = repo / "calc.py"
    every = (ADD_ONE, ADD_ZERO, HISTORY)
    plain = [Job(files={calc: text}, tests=every) for text in (FIXED, MODULE, "def add(:\n")]
    worst = [Job(files={calc: patched(body)}, tests=(ADD_ONE,)) for body in PATHOLOGICAL.values()]
    jobs = [*plain, *worst, plain[0]]
    with pool_for(repo, workers=2) as pool:
        parallel = pool.run_many(jobs)
        assert pool.workers == 2
        serial = [pool.run(j.files, j.tests) for j in jobs]
    assert len(parallel) == len(jobs)
    for job, one, many in zip(jobs, serial, parallel, strict=True):
        # how a pathological candidate ends (a failure, a timeout, a crash) depends on timing; whether
        # a test passes does not
        assert [many.passes(t) for t in job.tests or ()] == [one.passes(t) for t in job.tests or ()]
    for i in (0, 1, 2, len(jobs) - 1):
        assert parallel[i].status == serial[i].status
        assert [parallel[i].outcome(t) for t in every] == [serial[i].outcome(t) for t in every]
    assert parallel[0].passes(ADD_ONE) and parallel[-1].passes(ADD_ONE)  # the fix, first and after the worst
    assert parallel[1].outcome(ADD_ONE) == Outcome.FAILED
    assert parallel[2].status == EvalStatus.INVALID
    assert not any(e.passes(ADD_ONE) for e in parallel[3:-1])  # every pathological candidate contained


def test_a_server_whose_collection_differs_is_dropped(make_repo: MakeRepo) -> None:
    tests = """\
import random

import pytest


@pytest.mark.parametrize("x", [random.random()])
def test_random_id(x):
    assert x < 1
"""
    repo = make_repo({"calc.py": MODULE, "tests/test_random.py": tests})
    with pool_for(repo, workers=2) as pool:
        results = pool.run_many([Job(), Job()])
        assert pool.workers == 1
    assert all(r.status == EvalStatus.OK and r.passing(pool.collected.items) == 1 for r in results)


STATS = """\
def largest(xs):
    best = xs[0]
    for x in xs:
        if x < best:
            best = x
    return best


def spread(xs):
    return largest(xs) - min(xs)
"""

STATS_TESTS = """\
import pytest
from stats import largest, spread


@pytest.mark.parametrize("xs,top", [([1, 5, 3], 5), ([7], 7), ([2, 9], 9)])
def test_largest(xs, top):
    assert largest(xs) == top


def test_spread():
    assert spread([4, 1, 6]) == 5
"""


def search_record(result: StepResult) -> tuple[object, ...]:
    search = next(e.data for e in result.transcript if e.name == "search")
    plausible = [
        e.data["diff"]
        for e in result.transcript
        if e.kind == EventKind.MESSAGE and e.name == "plausible patch"
    ]
    chosen = next(e.text for e in result.transcript if e.name == "chosen patch")
    tried = [(t["description"], t["status"], t["fixed"], t["broke"], t["plausible"]) for t in search["tried"]]
    return search["evaluated"], tried, plausible, chosen


def test_the_search_makes_the_same_choices_with_one_or_two_workers(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"stats.py": STATS, "tests/test_stats.py": STATS_TESTS})
    records = []
    for workers in (1, 2):
        copy = tmp_path / f"workers-{workers}"
        shutil.copytree(repo, copy)
        # stopping at the second plausible patch: a batch overshoots it, and the search must not notice
        options = SearchOptions(step_seconds=120, max_plausible=2, workers=workers)
        result = SearchOptimizer(options).step(state_for(copy))
        records.append(search_record(result))
        assert (
            "if x > best:" in (copy / "stats.py").read_text() or ">= best" in (copy / "stats.py").read_text()
        )
    assert records[0] == records[1]
    assert len(records[0][2]) == 2  # both runs stopped at the second plausible patch


def test_a_server_that_stops_answering_is_replaced_and_the_batch_goes_on(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluator, "SLACK_S", 0.5)  # how long past a job's deadline a reply may come
    repo = make_repo({"calc.py": MODULE, "tests/test_calc.py": TESTS})
    jobs = [Job(files={repo / "calc.py": FIXED}, tests=(ADD_ONE, ADD_ZERO)) for _ in range(4)]
    with EvaluatorPool(repo, sys.executable, ENV, ["tests"], limits=Limits(timeout_s=1.0), workers=2) as pool:
        pool.run_many(jobs[:2])  # both servers up
        stuck = pool.servers[1]
        assert stuck._proc is not None
        os.kill(stuck._proc.pid, signal.SIGSTOP)
        results = pool.run_many(jobs)
        assert [r.status for r in results] == [
            EvalStatus.OK,
            EvalStatus.CRASHED,  # the job the stopped server held
            EvalStatus.OK,
            EvalStatus.OK,
        ]
        again = pool.run_many(jobs)
        assert pool.workers == 2
    assert all(r.status == EvalStatus.OK and r.passes(ADD_ONE) for r in again)
