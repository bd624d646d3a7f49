"""Candidates per second: the fork server against a fresh pytest subprocess per candidate.

For each bundled example, the candidates are the search's own single edits on the most
suspicious lines; each candidate runs the tests the search would run (the failing tests and the
passing tests that cover the edited line). Both evaluators run the same candidates in the same
run; the script prints both rates, the ratio, and how often the two disagreed on an outcome.

    .venv/bin/python bench/search_throughput.py [--per-example K] [NAME ...]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from codefit.optimizers.search.evaluator import Evaluation, ForkServer
from codefit.optimizers.search.localise import Formula
from codefit.optimizers.search.optimizer import _problem, editable_sources
from codefit.optimizers.search.patch import Patch, apply
from codefit.optimizers.search.search import generate_edits, tests_for
from codefit.sensors.base import Outcome, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
Candidate = tuple[dict[str, str], list[str]]


def candidates(tree: Path, server: ForkServer, limit: int) -> list[Candidate]:
    """The first `limit` single-edit candidates the search would evaluate, with their tests."""
    sources = editable_sources(tree, ("*.py",), ("tests/**",))
    baseline = server.run({}, None, coverage=True)
    failing = [t for t in server.collected.items if not baseline.passes(t)]
    passing = [t for t in server.collected.items if baseline.passes(t)]
    problem = _problem(tree, sources, baseline, failing, passing, Formula.OCHIAI)
    out: list[Candidate] = []
    for edit in generate_edits(sources, problem.suspects, max_lines=15):
        patch = Patch(edits=(edit,))
        out.append((apply(patch, sources), tests_for(problem, patch)))
        if len(out) >= limit:
            break
    return out


def forked(server: ForkServer, tree: Path, batch: list[Candidate]) -> tuple[float, list[Evaluation]]:
    start = time.monotonic()
    results = [server.run({tree / p: t for p, t in files.items()}, tests) for files, tests in batch]
    return time.monotonic() - start, results


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
            sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=list(tests)))
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
    args = parser.parse_args()
    ctx = SensorContext(python=sys.executable)
    names = args.names or sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    fork_s = sub_s = 0.0
    count = disagreements = 0
    print(f"{'example':28} {'cands':>5} {'fork/s':>8} {'subprocess/s':>12} {'ratio':>7}")
    for name in names:
        with tempfile.TemporaryDirectory(prefix="codefit-bench-") as tmp:
            tree = Path(tmp) / "tree"
            shutil.copytree(EXAMPLES / name / "repo", tree)
            with ForkServer(tree, ctx.python, ctx.env, ["tests"]) as server:
                batch = candidates(tree, server, args.per_example)
                f_seconds, f_results = forked(server, tree, batch)
            s_seconds, s_results = subprocesses(tree, batch, ctx)
        disagreements += sum(
            not agree(f, s, tests) for f, s, (_, tests) in zip(f_results, s_results, batch, strict=True)
        )
        fork_s, sub_s, count = fork_s + f_seconds, sub_s + s_seconds, count + len(batch)
        print(
            f"{name:28} {len(batch):>5} {len(batch) / f_seconds:>8.1f} {len(batch) / s_seconds:>12.2f} "
            f"{s_seconds / f_seconds:>6.1f}x"
        )
    print("-" * 64)
    print(
        f"{'all':28} {count:>5} {count / fork_s:>8.1f} {count / sub_s:>12.2f} {sub_s / fork_s:>6.1f}x"
        f"   (outcome disagreements: {disagreements})"
    )


if __name__ == "__main__":
    main()
