"""Sweep throughput: the bundled suite swept with 1 and 2 local workers and with Ray on 2 CPUs.

    .venv/bin/python bench/sweep_scaling.py --quick      # 4 tasks x 2 settings, each executor once
    .venv/bin/python bench/sweep_scaling.py --quick --rounds 2    # x1 x2 ray, then ray x2 x1
    .venv/bin/python bench/sweep_scaling.py [--tasks N] [--settings 1|2]   # the whole suite by default

Prints runs per minute for each executor and the speed-ups: 1 -> 2 local workers (target >= 1.8x on
2 cores) and Ray against the local pool with the same workers (target: within 15 %). For each sweep
it also prints the CPU a run took (its worker and the processes it waited for), the cores the runs
got and the machine's busy cores: on a machine shared with other jobs the speed-up is mostly what
those jobs leave, and the CPU per run shows whether the sweep itself costs more with more workers.
`--rounds 2` runs the executors in one order and then the reverse, so a load that changes during
the bench weighs on each alike. Ray's start (`ray.init`, a one-off per driver) is timed on its own
and left out of its rate; the local pool's start (spawning its workers) is in the local rates.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codefit.experiments.executors import start_local_ray  # noqa: E402
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
    start_local_ray(ray, cpus)
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


EXECUTORS = (("local x1", "local", 1), ("local x2", "local", 2), ("ray x2", "ray", 2))


@dataclass
class Tally:
    """One executor's sweeps, summed over rounds."""

    runs: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # the runs' CPU seconds (worker and the processes it waited for)
    outcomes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.runs / self.seconds * 60

    @property
    def cores(self) -> float:
        return self.cpu / self.seconds


def sweep_once(spec: SweepSpec, label: str, executor: str, workers: int, tally: Tally) -> None:
    seconds, busy, trials = timed(spec, executor, workers)
    bad = sum(t["status"] in ("error", "infra_error") for t in trials)
    # A trial's own seconds (measured in its worker) against the sweep's: what is left is the
    # machinery (start-up, moving tasks and stores, imports into the driver's store, idle slots).
    mean = sum(float(str(t["seconds"])) for t in trials) / len(trials)
    idle = seconds - mean * len(trials) / workers
    # CPU: the runs' own against the wall clock, and the machine's: what the runs did not use went to
    # other jobs (or stayed idle).
    cpu = sum(float(str(t.get("cpu_seconds") or 0.0)) for t in trials)
    tally.runs, tally.seconds, tally.cpu = tally.runs + len(trials), tally.seconds + seconds, tally.cpu + cpu
    outcomes = sorted((str(t["key"]), str(t["status"])) for t in trials)
    if tally.outcomes and outcomes != tally.outcomes:
        tally.outcomes = [("differs between rounds", "")]
    tally.outcomes = tally.outcomes or outcomes
    print(
        f"{label:9} {len(trials):3d} runs in {seconds:7.1f} s: {len(trials) / seconds * 60:6.2f} runs/min "
        f"(a run {mean:5.1f} s in its worker, {cpu / len(trials):4.1f} s CPU; "
        f"{idle:5.1f} s not in any run; runs used {cpu / seconds:4.2f} cores, "
        f"the machine {busy / seconds:4.2f} of {os.cpu_count()})" + (f" ({bad} errors)" if bad else ""),
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=None, help="only the first N tasks of the suite")
    parser.add_argument("--settings", type=int, default=2, choices=(1, 2))
    parser.add_argument(
        "--quick", action="store_true", help=f"the first {QUICK_TASKS} tasks only (unless --tasks says)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="sweeps per executor; every other round runs them in reverse order (x1 x2 ray ray x2 x1), "
        "so a load that rises or falls during the bench weighs on each executor alike",
    )
    opts = parser.parse_args()
    count = opts.tasks or (QUICK_TASKS if opts.quick else None)
    tallies = {label: Tally() for label, _, _ in EXECUTORS}
    with tempfile.TemporaryDirectory() as tmp:
        suite = suite_subset(Path(tmp), count)
        settings = expand({"max_steps": [1, 2][: opts.settings]})
        spec = SweepSpec(suite=suite, settings=settings)
        print(f"{len(load_suite(suite).tasks)} tasks x {len(settings)} settings per sweep", flush=True)
        for round_ in range(opts.rounds):
            for label, executor, workers in EXECUTORS[:: -1 if round_ % 2 else 1]:
                if executor == "ray" and round_ == 0:
                    print(f"ray.init on 2 CPUs: {start_ray(2):.1f} s (not in the rate)", flush=True)
                sweep_once(spec, label, executor, workers, tallies[label])
    one, two, ray = tallies["local x1"], tallies["local x2"], tallies["ray x2"]
    if opts.rounds > 1:
        for label, tally in tallies.items():
            print(
                f"{label:9} over {opts.rounds} rounds: {tally.rate:6.2f} runs/min, "
                f"runs used {tally.cores:4.2f} cores"
            )
    print(f"speed-up 1 -> 2 local workers: {two.rate / one.rate:.2f}x (target >= 1.8x)")
    # The speed-up is the cores the runs got with two workers against one, times the CPU a run needs
    # with one against two (above 1 would mean the sweep made runs cheaper; below, costlier). On a
    # busy machine the first factor is what the other jobs leave: with L of them runnable, one worker
    # gets about min(1, 2 / (L + 1)) cores and two about min(2, 4 / (L + 2)).
    if one.cpu and two.cpu:
        print(
            f"  = {two.cores / one.cores:.2f}x the cores the runs got "
            f"x {(one.cpu / one.runs) / (two.cpu / two.runs):.2f} (CPU per run, x1 / x2)"
        )
    print(f"ray x2 / local x2: {ray.rate / two.rate:.2f} (target within 15 %)")
    same = one.outcomes == two.outcomes == ray.outcomes
    print(f"per-run outcomes the same on every executor: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
