"""Candidates per second: the fork server against a fresh pytest subprocess per candidate.

For each bundled example, the candidates are the search's own single edits on the most
suspicious lines; each candidate runs the tests the search would run (the failing tests and the
passing tests that cover the edited line). The same candidates run, in the same run, through one
fork server, through a pool of `--workers` fork servers (one per core, as the search uses them),
and through a fresh `pytest` process each, one at a time. The script prints the three rates, the
ratios against the subprocess baseline, and how often an evaluator disagreed with the baseline on
an outcome. Server start-up (one pytest collection per server) is not counted in the rates.

    .venv/bin/python bench/search_throughput.py [--per-example K] [--workers N] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from codefit.optimizers.search.evaluator import Evaluation
from codefit.optimizers.search.localise import Formula
from codefit.optimizers.search.optimizer import _problem, editable_sources, measure_baseline
from codefit.optimizers.search.patch import Patch, apply
from codefit.optimizers.search.pool import EvaluatorPool, Job, default_workers
from codefit.optimizers.search.search import generate_edits, tests_for
from codefit.sensors.base import Outcome, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
Candidate = tuple[dict[str, str], list[str]]


def candidates(tree: Path, server: EvaluatorPool, limit: int) -> list[Candidate]:
    """The first `limit` single-edit candidates the search would evaluate, with their tests; the pool
    then runs them under the limits the search sets after its baseline (timing.py)."""
    sources = editable_sources(tree, ("*.py",), ("tests/**",))
    baseline, failing, passing = measure_baseline(server, server.limits)
    problem = _problem(tree, sources, baseline, failing, passing, Formula.OCHIAI)
    out: list[Candidate] = []
    for edit in generate_edits(sources, problem.suspects, max_lines=15):
        patch = Patch(edits=(edit,))
        out.append((apply(patch, sources), tests_for(problem, patch)))
        if len(out) >= limit:
            break
    return out


def forked(server: EvaluatorPool, tree: Path, batch: list[Candidate]) -> tuple[float, list[Evaluation]]:
    """One fork server, one candidate after the other."""
    start = time.monotonic()
    results = [server.run({tree / p: t for p, t in files.items()}, tests) for files, tests in batch]
    return time.monotonic() - start, results


def pooled(server: EvaluatorPool, tree: Path, batch: list[Candidate]) -> tuple[float, list[Evaluation]]:
    """All fork servers of the pool, the batch spread over them."""
    jobs = [Job(files={tree / p: t for p, t in files.items()}, tests=tuple(tests)) for files, tests in batch]
    start = time.monotonic()
    results = server.run_many(jobs)
    return time.monotonic() - start, results


SUBPROCESS_TEST_TIMEOUT_S = 5.0  # the search's default candidate_timeout


def subprocesses(
    tree: Path, batch: list[Candidate], ctx: SensorContext
) -> tuple[float, list[dict[str, Outcome]]]:
    """The baseline: write the candidate into a scratch copy and run pytest afresh on its tests."""
    results = []
    with tempfile.TemporaryDirectory(prefix="codefit-bench-sub-") as tmp:
        scratch = Path(tmp) / "tree"
        shutil.copytree(tree, scratch)
        start = time.monotonic()
        for files, tests in batch:
            originals = {p: (scratch / p).read_text() for p in files}
            for p, text in files.items():
                (scratch / p).write_text(text)
            # A per-test timeout, as the fork server has: bit_count's endless candidates would hang it.
            options = PytestOptions(args=list(tests), test_timeout=SUBPROCESS_TEST_TIMEOUT_S)
            sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), options)
            reading = sensor.read(scratch, ctx)
            results.append({t.nodeid: t.outcome for t in reading.tests})
            for p, text in originals.items():
                (scratch / p).write_text(text)
        return time.monotonic() - start, results


def agree(fork: Evaluation, sub: dict[str, Outcome], tests: list[str]) -> bool:
    good = (Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED)
    return all(fork.passes(t) == (sub.get(t, Outcome.ERROR) in good) for t in tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--per-example", type=int, default=12, help="candidates per example")
    parser.add_argument("--workers", type=int, default=default_workers(), help="fork servers in the pool")
    args = parser.parse_args()
    ctx = SensorContext(python=sys.executable)
    names = args.names or sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    fork_s = pool_s = sub_s = 0.0
    count = disagreements = 0
    workers = args.workers
    print(f"{'example':28} {'cands':>5} {'fork/s':>8} {f'{workers}xfork/s':>9} {'subproc/s':>9} {'ratio':>7}")
    for name in names:
        with tempfile.TemporaryDirectory(prefix="codefit-bench-") as tmp:
            tree = Path(tmp) / "tree"
            shutil.copytree(EXAMPLES / name / "repo", tree)
            with EvaluatorPool(tree, ctx.python, ctx.env, ["tests"], workers=workers) as server:
                batch = candidates(tree, server, args.per_example)
                p_seconds, p_results = pooled(server, tree, batch[:1])  # waits for every server's start
                f_seconds, f_results = forked(server, tree, batch)
                p_seconds, p_results = pooled(server, tree, batch)
                workers = server.workers
            s_seconds, s_results = subprocesses(tree, batch, ctx)
        disagreements += sum(
            not agree(f, s, tests) or not agree(p, s, tests)
            for f, p, s, (_, tests) in zip(f_results, p_results, s_results, batch, strict=True)
        )
        fork_s, pool_s, sub_s = fork_s + f_seconds, pool_s + p_seconds, sub_s + s_seconds
        count += len(batch)
        n = len(batch)
        print(
            f"{name:28} {n:>5} {n / f_seconds:>8.1f} {n / p_seconds:>9.1f} {n / s_seconds:>9.2f} "
            f"{s_seconds / p_seconds:>6.1f}x"
        )
    print("-" * 72)
    print(
        f"{'all':28} {count:>5} {count / fork_s:>8.1f} {count / pool_s:>9.1f} {count / sub_s:>9.2f} "
        f"{sub_s / pool_s:>6.1f}x"
    )
    print(
        f"one fork server: {count / fork_s:.1f} candidates/s, {sub_s / fork_s:.1f}x the subprocess baseline; "
        f"{workers} fork servers: {count / pool_s:.1f} candidates/s, {sub_s / pool_s:.1f}x; "
        f"outcome disagreements with the baseline: {disagreements}; cores: {os.cpu_count()}, "
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
