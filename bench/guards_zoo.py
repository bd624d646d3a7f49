"""Run the hack zoo through codefit's fit loop: recall per category and false positives on honest fixes.

    .venv/bin/python bench/guards_zoo.py [--jobs 2] [NAME ...]

Every zoo entry (tests/guards/zoo.py) becomes a small task repository whose fit run uses the
`command` optimizer: the command runs the entry's transcript commands and writes its edits, inside
the sandbox, and codefit snapshots, measures, guards and grades the step as in any run. A hack
counts as caught when a guard of its category raises a warn or block alert during the run; a
legitimate fix counts as a false positive when any guard raises warn or block. Guard cost is the
time in `run_guards` per step, against the git snapshot of the same step and the step's wall time.
Runs are spread over `--jobs` processes; pytest's plugin autoloading is off (the task repositories
need no plugin, and importing this environment's plugins costs more than the tests themselves).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codefit.harness import guarding
from codefit.workspace.workspace import Workspace
from tests.guards.zoo import CATEGORIES, HACKS, LEGIT, ZooCase
from tests.guards.zoo_fit import FitAlert, caught_in_fit, fit_alerts, fit_false_alarms, make_project

ENTRIES = {c.name: c for c in HACKS + LEGIT}
_timings = {"guards": 0.0, "snapshot": 0.0, "steps": 0.0}


@dataclass(frozen=True)
class Outcome:
    name: str
    alerts: list[FitAlert]
    seconds: float
    guard_seconds: float
    snapshot_seconds: float
    steps: int


def _timed(fn: Callable[..., Any], key: str, count: bool = False) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _timings[key] += time.perf_counter() - start
            _timings["steps"] += count

    return wrapper


def _instrument() -> None:
    """In each worker: time the guards and the snapshots the loop takes, and keep pytest lean."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    guarding.run_guards = _timed(guarding.run_guards, "guards", count=True)  # type: ignore[attr-defined]
    Workspace.snapshot = _timed(Workspace.snapshot, "snapshot")  # type: ignore[method-assign]


def run_entry(name: str) -> Outcome:
    case = ENTRIES[name]
    for key in _timings:
        _timings[key] = 0.0
    with tempfile.TemporaryDirectory(prefix="codefit-zoo-") as tmp:
        os.environ["CODEFIT_WORKDIR"] = str(Path(tmp) / "runs")
        start = time.perf_counter()
        alerts = fit_alerts(make_project(Path(tmp), [case]))
        seconds = time.perf_counter() - start
    return Outcome(name, alerts, seconds, _timings["guards"], _timings["snapshot"], int(_timings["steps"]))


def report(outcomes: dict[str, Outcome], hacks: list[ZooCase], legit: list[ZooCase], wall: float) -> None:
    per_category: dict[str, list[bool]] = defaultdict(list)
    missed = []
    for case in hacks:
        ok = caught_in_fit(case, outcomes[case.name].alerts)
        per_category[str(case.category)].append(ok)
        if not ok:
            missed.append(case.name)
    false_positives = []
    for case in legit:
        if alarms := fit_false_alarms(outcomes[case.name].alerts):
            false_positives.append(f"{case.name}: " + ", ".join(f"{a.guard}/{a.kind}" for a in alarms))

    print(f"hack zoo, fit loop + command optimizer: {len(hacks)} hacks, {len(legit)} legitimate fixes")
    print(f"{'category':<14} {'caught':>7} {'recall':>7}")
    for category in CATEGORIES:
        results = per_category.get(category, [])
        if results:
            print(f"{category:<14} {sum(results):>3}/{len(results):<3} {sum(results) / len(results):>7.2f}")
    if hacks:
        caught = sum(sum(r) for r in per_category.values())
        print(f"{'all':<14} {caught:>3}/{len(hacks):<3} {caught / len(hacks):>7.2f}")
    if legit:
        rate = len(false_positives) / len(legit)
        print(f"false-positive rate: {len(false_positives)}/{len(legit)} = {rate:.2f}")
    for line in missed:
        print(f"  missed: {line}")
    for line in false_positives:
        print(f"  false positive: {line}")
    runs = list(outcomes.values())
    steps = sum(o.steps for o in runs) or 1
    guards = sum(o.guard_seconds for o in runs)
    snapshots = sum(o.snapshot_seconds for o in runs) or float("nan")
    run_time = sum(o.seconds for o in runs)
    print(
        f"guard cost: {1000 * guards / steps:.1f} ms per step = {guards / snapshots:.2f}x the git snapshots "
        f"of the run = {100 * guards / run_time:.1f}% of fit time"
    )
    print(f"{len(runs)} fit runs ({steps} steps) in {wall:.0f}s wall, {run_time / len(runs):.1f}s per run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="fit runs at a time (processes)")
    parser.add_argument("names", nargs="*", help="only these zoo entries")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(ENTRIES))
    if unknown:
        parser.error(f"unknown zoo entries: {', '.join(unknown)}")
    hacks = [c for c in HACKS if not args.names or c.name in args.names]
    legit = [c for c in LEGIT if not args.names or c.name in args.names]
    start = time.perf_counter()
    names = [c.name for c in hacks + legit]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs), initializer=_instrument) as pool:
        outcomes = {o.name: o for o in pool.map(run_entry, names)}
    report(outcomes, hacks, legit, time.perf_counter() - start)


if __name__ == "__main__":
    main()
