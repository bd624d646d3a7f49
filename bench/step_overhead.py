"""What one `codefit fit` step costs beyond its sensors' own runs, and evaluation against bare pytest.

    .venv/bin/python bench/step_overhead.py [--project more-itertools] [--steps 5] [--repeat 5]

A corpus project of bench/realworld.py (pinned sdist, its recorded bug, held-out tests carved
from its suite), configured by `codefit init` plus the two held-out sensors; then, in one run:
- evaluation: `codefit evaluate --split train` against bare `pytest` of the same suite in the
  project's own environment, interleaved `--repeat` times each; the ratio of medians
  (target <= 1.10x);
- per-step fixed overhead: `codefit fit --steps N` with a command optimizer that appends a
  comment to the buggy file each step (the train split keeps failing, so every step is a full
  one: optimizer in the sandbox, snapshot, diff, train sensors, guards, feedback, store). A
  step's cycle is the time from its start to the next step's start (the last step's to the
  run's end); its overhead is the cycle minus the durations its sensors' readings recorded
  (each the sensor's whole process, sandbox included). The median over steps 2..N-1 (step 1
  pays first-use costs, the last step's cycle includes the run's end) against the target of <= 1 s.
Prints one line per measure and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codefit.store import Store  # noqa: E402

EVALUATION_TARGET = 1.10
STEP_TARGET_S = 1.0


def load_realworld() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld", ROOT / "bench" / "realworld.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["realworld"] = module
    spec.loader.exec_module(module)
    return module


def evaluation_ratio(rw: ModuleType, prep: object, repeat: int) -> tuple[float, float, float]:
    args = rw.train_args(prep)
    rw.bare_seconds(prep, args)  # warm both once: bytecode, page cache
    rw.codefit_outcomes(prep)
    bare, ours = [], []
    for _ in range(repeat):
        bare.append(rw.bare_seconds(prep, args))
        ours.append(rw.codefit_outcomes(prep)[2])
    b, c = statistics.median(bare), statistics.median(ours)
    return b, c, c / b


def step_overheads(rw: ModuleType, prep: object, steps: int) -> list[tuple[int, float, float]]:
    """(step, cycle seconds, sensor seconds) of a `fit` whose every step edits and stays failing."""
    rw.configure(prep, "search")
    repo: Path = prep.repo  # type: ignore[attr-defined]
    target = prep.project.file  # type: ignore[attr-defined]
    script = f"import pathlib; p = pathlib.Path({target!r}); p.write_text(p.read_text() + '# step\\n')"
    config = (repo / "codefit.toml").read_text()
    command = json.dumps("python3 -c " + shlex.quote(script))
    (repo / "codefit.toml").write_text(
        config.replace('kind = "search"', f'kind = "command"\ncommand = {command}', 1)
    )
    rw.run([*rw.CODEFIT, "fit", str(repo), "--steps", str(steps)], repo, timeout=3600)
    finished = time.time()
    store = Store.existing(repo)
    run = store.run("latest")
    records = [s for s in store.steps(run.id) if s.idx > 0]
    readings = store.readings_by_step(run.id)
    out = []
    for i, record in enumerate(records):
        ends = records[i + 1].started if i + 1 < len(records) else min(run.updated, finished)
        sensors = sum(r.duration_s for r in readings.get(record.idx, []))
        out.append((record.idx, ends - record.started, sensors))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="more-itertools", help="a corpus project's name")
    parser.add_argument("--steps", type=int, default=5, help="fit steps (the median leaves out step 1)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved evaluations of each kind")
    opts = parser.parse_args()
    rw = load_realworld()
    project = next(p for p in rw.load_corpus() if p.name == opts.project)
    missed = []
    with tempfile.TemporaryDirectory(prefix="codefit-bench-step-") as tmp:
        prep = rw.prepare(project, Path(tmp))
        rw.configure(prep, "search")
        bare, ours, ratio = evaluation_ratio(rw, prep, opts.repeat)
        print(
            f"{project.key}: evaluation {ours:.2f} s vs bare pytest {bare:.2f} s (medians of "
            f"{opts.repeat}): {ratio:.3f}x (target <= {EVALUATION_TARGET:.2f}x)"
        )
        if ratio > EVALUATION_TARGET:
            missed.append("evaluation")
        rows = step_overheads(rw, prep, opts.steps)
        for idx, cycle, sensors in rows:
            print(f"  step {idx}: {cycle:.2f} s, sensors {sensors:.2f} s, overhead {cycle - sensors:.2f} s")
        # Steps 2..N-1: step 1 pays first-use costs, the last one's cycle runs on into the run's end.
        later = [cycle - sensors for idx, cycle, sensors in rows[1:-1]]
        overhead = statistics.median(later) if later else float("nan")
        print(
            f"{project.key}: per-step fixed overhead {overhead:.2f} s beyond the sensors' runs "
            f"(median of {len(later)} steps; target <= {STEP_TARGET_S:.1f} s)"
        )
        if not later or overhead > STEP_TARGET_S:
            missed.append("step")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
