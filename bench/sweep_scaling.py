"""Sweep throughput: the bundled suite swept with 1 and 2 local workers and with Ray on 2 CPUs.

    .venv/bin/python bench/sweep_scaling.py [--tasks N] [--settings 2]

Prints runs per minute for each executor and the speed-ups: 1 -> 2 local workers (target >= 1.8x on
2 cores) and Ray against the local pool with the same workers (target: within 15 %).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codefit.experiments.settings import expand  # noqa: E402
from codefit.experiments.suite import load_suite  # noqa: E402
from codefit.experiments.sweep import SweepSpec, read_state, run_sweep  # noqa: E402
from codefit.store import Store  # noqa: E402


def suite_subset(folder: Path, count: int | None) -> Path:
    suite = load_suite(ROOT / "examples")
    lines = ['name = "bundled-subset"']
    for task in suite.tasks[:count] if count else suite.tasks:
        lines += ["[[tasks]]", f'name = "{task.name}"', f'repo = "{task.root / task.repo}"']  # type: ignore[operator]
        if task.hidden:
            lines.append(f'hidden = "{task.root / task.hidden}"')
    (folder / "suite.toml").write_text("\n".join(lines) + "\n")
    return folder / "suite.toml"


def timed(spec: SweepSpec, executor: str, workers: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="codefit-bench-sweep-") as tmp:
        store = Store(Path(tmp) / ".codefit")
        start = time.perf_counter()
        sweep_id = run_sweep(spec, store, executor=executor, workers=workers)
        elapsed = time.perf_counter() - start
        return elapsed, len(read_state(store, sweep_id).trials)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=None, help="only the first N tasks of the suite")
    parser.add_argument("--settings", type=int, default=2, choices=(1, 2))
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        suite = suite_subset(Path(tmp), opts.tasks)
        settings = expand({"max_steps": [1, 2][: opts.settings]})
        spec = SweepSpec(suite=suite, settings=settings)
        rows = {}
        runs_of = (("local x1", "local", 1), ("local x2", "local", 2), ("ray x2", "ray", 2))
        for label, executor, workers in runs_of:
            seconds, runs = timed(spec, executor, workers)
            rows[label] = runs / seconds * 60
            print(f"{label:9} {runs:3d} runs in {seconds:7.1f} s: {rows[label]:6.2f} runs/min", flush=True)
    print(f"speed-up 1 -> 2 local workers: {rows['local x2'] / rows['local x1']:.2f}x (target >= 1.8x)")
    print(f"ray x2 / local x2: {rows['ray x2'] / rows['local x2']:.2f} (target within 15 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
