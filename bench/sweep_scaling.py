"""Sweep throughput: the bundled suite swept with 1 and 2 local workers and with Ray on 2 CPUs.

    .venv/bin/python bench/sweep_scaling.py --quick      # 4 tasks x 2 settings: ~4 min on 2 idle cores
    .venv/bin/python bench/sweep_scaling.py [--tasks N] [--settings 1|2]   # the whole suite by default

Prints runs per minute for each executor and the speed-ups: 1 -> 2 local workers (target >= 1.8x on
2 cores) and Ray against the local pool with the same workers (target: within 15 %). Every rate is
measured in this same run, so a loaded machine lowers them all alike. Ray's start (`ray.init`, a
one-off per driver) is timed on its own and left out of its rate; the local pool's start (spawning
its workers) is in the local rates.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codefit.experiments.executors import SANDBOX_RESOURCE  # noqa: E402
from codefit.experiments.settings import expand  # noqa: E402
from codefit.experiments.suite import load_suite  # noqa: E402
from codefit.experiments.sweep import SweepSpec, read_state, run_sweep  # noqa: E402
from codefit.store import Store  # noqa: E402

QUICK_TASKS = 4


def suite_subset(folder: Path, count: int | None) -> Path:
    suite = load_suite(ROOT / "examples")
    lines = ['name = "bundled-subset"']
    for task in suite.tasks[:count] if count else suite.tasks:
        lines += ["[[tasks]]", f'name = "{task.name}"', f'repo = "{task.root / task.repo}"']  # type: ignore[operator]
        if task.hidden:
            lines.append(f'hidden = "{task.root / task.hidden}"')
    (folder / "suite.toml").write_text("\n".join(lines) + "\n")
    return folder / "suite.toml"


def start_ray(cpus: int) -> float:
    """A local Ray instance as the ray executor would start it; returns the seconds it took."""
    import ray

    start = time.perf_counter()
    ray.init(num_cpus=cpus, resources={SANDBOX_RESOURCE: cpus}, include_dashboard=False, log_to_driver=False)
    return time.perf_counter() - start


def busy_cpu_seconds() -> float:
    """CPU seconds every process on this machine has used since boot (Linux `/proc/stat`; else 0)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(spec: SweepSpec, executor: str, workers: int) -> tuple[float, float, list[dict[str, object]]]:
    """The sweep's seconds, the machine's busy CPU seconds meanwhile (every process's), its trials."""
    with tempfile.TemporaryDirectory(prefix="codefit-bench-sweep-") as tmp:
        store = Store(Path(tmp) / ".codefit")
        start, busy = time.perf_counter(), busy_cpu_seconds()
        sweep_id = run_sweep(spec, store, executor=executor, workers=workers)
        elapsed, busy = time.perf_counter() - start, busy_cpu_seconds() - busy
        return elapsed, busy, read_state(store, sweep_id).trials


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=None, help="only the first N tasks of the suite")
    parser.add_argument("--settings", type=int, default=2, choices=(1, 2))
    parser.add_argument(
        "--quick", action="store_true", help=f"the first {QUICK_TASKS} tasks only (unless --tasks says)"
    )
    opts = parser.parse_args()
    count = opts.tasks or (QUICK_TASKS if opts.quick else None)
    with tempfile.TemporaryDirectory() as tmp:
        suite = suite_subset(Path(tmp), count)
        settings = expand({"max_steps": [1, 2][: opts.settings]})
        spec = SweepSpec(suite=suite, settings=settings)
        print(f"{len(load_suite(suite).tasks)} tasks x {len(settings)} settings per sweep", flush=True)
        rows = {}
        outcomes = {}
        for label, executor, workers in (
            ("local x1", "local", 1),
            ("local x2", "local", 2),
            ("ray x2", "ray", 2),
        ):
            if executor == "ray":
                print(f"ray.init on 2 CPUs: {start_ray(2):.1f} s (not in the rate)", flush=True)
            seconds, busy, trials = timed(spec, executor, workers)
            rows[label] = len(trials) / seconds * 60
            outcomes[label] = sorted((str(t["key"]), str(t["status"])) for t in trials)
            bad = sum(t["status"] in ("error", "infra_error") for t in trials)
            # A trial's own seconds (measured in its worker) against the sweep's: what is left is the
            # machinery (start-up, moving tasks and stores, imports into the driver's store, idle slots).
            mean = sum(float(str(t["seconds"])) for t in trials) / len(trials)
            idle = seconds - mean * len(trials) / workers
            # CPU: the runs' own (worker and the processes it waited for) against the wall clock, and
            # the machine's: what the runs did not use went to other jobs (or idle cores).
            cpu = sum(float(str(t.get("cpu_seconds") or 0.0)) for t in trials)
            print(
                f"{label:9} {len(trials):3d} runs in {seconds:7.1f} s: {rows[label]:6.2f} runs/min "
                f"(a run {mean:5.1f} s in its worker, {cpu / len(trials):4.1f} s CPU; "
                f"{idle:5.1f} s not in any run; runs used {cpu / seconds:4.2f} cores, "
                f"the machine {busy / seconds:4.2f} of {os.cpu_count()})"
                + (f" ({bad} errors)" if bad else ""),
                flush=True,
            )
    print(f"speed-up 1 -> 2 local workers: {rows['local x2'] / rows['local x1']:.2f}x (target >= 1.8x)")
    print(f"ray x2 / local x2: {rows['ray x2'] / rows['local x2']:.2f} (target within 15 %)")
    same = outcomes["local x1"] == outcomes["local x2"] == outcomes["ray x2"]
    print(f"per-run outcomes the same on every executor: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
