"""Repair every bundled example with the `search` optimizer and grade it on the held-out splits.

For each example: one search step on a copy of examples/NAME/repo, then the train tests and the
held-out validation and test tests (copied into a grading copy, as codefit does) on the result;
every plausible patch the search recorded is graded too, to count those that overfit (pass the
visible tests, fail a held-out one). Prints a table.

    .venv/bin/python bench/repair_examples.py [NAME ...]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codefit.optimizers.base import EventKind, StepResult, StepState
from codefit.optimizers.search import SearchOptimizer, SearchOptions
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HELDOUT = {"holdout": ("validation", Split.VALIDATION), "final": ("test", Split.TEST)}


def train_sensor() -> PytestSensor:
    return PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))


def heldout_passes(tree: Path, example: Path, ctx: SensorContext) -> dict[str, bool]:
    """Grade a tree on each held-out split in a throw-away copy, the way codefit's grader does."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="codefit-bench-grade-") as tmp:
        for name, (folder, split) in HELDOUT.items():
            copy = Path(tmp) / name
            shutil.copytree(tree, copy)
            settings = SensorSettings(name=name, kind="pytest", split=split, path=example / "hidden" / folder)
            shutil.copytree(example / "hidden" / folder, copy / settings.heldout_dest())
            out[name] = PytestSensor(settings, PytestOptions()).read(copy, ctx).passed
    return out


def plausible_diffs(result: StepResult) -> list[str]:
    return [
        e.data["diff"]
        for e in result.transcript
        if e.kind == EventKind.MESSAGE and e.name == "plausible patch"
    ]


def overfitting(example: Path, diffs: list[str], ctx: SensorContext) -> int:
    """How many plausible patches fail a held-out split."""
    count = 0
    for diff in diffs:
        with tempfile.TemporaryDirectory(prefix="codefit-bench-patch-") as tmp:
            tree = Path(tmp) / "tree"
            shutil.copytree(example / "repo", tree)
            subprocess.run(["git", "apply", "-"], input=diff, text=True, cwd=tree, check=True)
            if not all(heldout_passes(tree, example, ctx).values()):
                count += 1
    return count


def repair(example: Path, ctx: SensorContext) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="codefit-bench-ws-") as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(example / "repo", ws)
        state = StepState(
            workspace=ws,
            step=0,
            task=(ws / "TASK.md").read_text(),
            feedback="",
            task_file=ws / "TASK.md",
            feedback_file=ws / "FEEDBACK.md",
            train_sensors=[train_sensor()],
            sensor_context=ctx,
            run_checks=list,
            writable=("*.py",),
            protected=("tests/**",),
        )
        start = time.monotonic()
        result = SearchOptimizer(SearchOptions(step_seconds=60)).step(state)
        seconds = time.monotonic() - start
        train = train_sensor().read(ws, ctx).passed
        heldout = heldout_passes(ws, example, ctx)
        diffs = plausible_diffs(result)
        search = next((e.data for e in result.transcript if e.name == "search"), {})
        chosen = next(
            (e.data.get("description", "") for e in result.transcript if e.name == "chosen patch"), ""
        )
        return {
            "status": str(result.status),
            "train": train,
            "validation": heldout["holdout"],
            "test": heldout["final"],
            "plausible": len(diffs),
            "overfit": overfitting(example, diffs, ctx),
            "candidates": int(search.get("evaluated", 0)),
            "seconds": seconds,
            "patch": chosen,
        }


def main(names: list[str]) -> None:
    ctx = SensorContext(python=sys.executable)
    examples = [EXAMPLES / n for n in names] if names else sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    header = f"{'example':28} {'status':8} {'train':5} {'val':5} {'test':5} {'plaus':>5} {'overfit':>7} "
    header += f"{'cands':>5} {'secs':>6}  chosen patch"
    print(header)
    print("-" * len(header))
    repaired = overfit_examples = total_plausible = total_overfit = 0
    total_seconds = 0.0
    for example in examples:
        row = repair(example, ctx)
        mark = {True: "yes", False: "no"}
        print(
            f"{example.name:28} {row['status']:8} {mark[bool(row['train'])]:5} "
            f"{mark[bool(row['validation'])]:5} {mark[bool(row['test'])]:5} {row['plausible']:>5} "
            f"{row['overfit']:>7} {row['candidates']:>5} "
            f"{row['seconds']:>6.1f}  {row['patch']}"
        )
        held = bool(row["validation"]) and bool(row["test"])
        repaired += int(bool(row["train"]) and held)
        overfit_examples += int(bool(row["train"]) and not held)
        total_plausible += int(str(row["plausible"]))
        total_overfit += int(str(row["overfit"]))
        total_seconds += float(str(row["seconds"]))
    print("-" * len(header))
    print(
        f"{len(examples)} examples: {repaired} repaired (train and held-out pass), "
        f"{overfit_examples} overfit (train passes, held-out fails); "
        f"{total_overfit} of {total_plausible} plausible patches overfit; "
        f"{total_seconds / max(len(examples), 1):.1f}s per example on average"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
