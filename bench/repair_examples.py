"""Repair every bundled example (or, with --corpus, every program of bench/repair_corpus) with the
`search` optimizer and grade it on the held-out splits.

For each example: one search step on a copy of examples/NAME/repo, then the train tests and the
held-out validation and test tests (copied into a grading copy, as codefit does) on the result;
every plausible patch the search recorded is graded too, to count those that overfit (pass the
visible tests, fail a held-out one). Prints a table.

    .venv/bin/python bench/repair_examples.py [NAME ...]
    .venv/bin/python bench/repair_examples.py --corpus [NAME ...]

With --corpus, each program runs the blind protocol of a fit with a validation split at
`feedback = "verdict"`, `budget = 3`, `max_steps = 3`: a search step; its tree graded on the
held-out cases; when they fail, the next step gets the hidden check's answer (`StepState.blind`,
passed=False) and the session, as the loop passes them. Afterwards the final
tree is graded on every case. It prints per program and in total: repaired (every case passes),
overfit (the visible cases pass, a held-out one fails), unrepaired, and the median and 90th
percentile of the search's seconds per program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from codefit.optimizers.base import EventKind, HiddenVerdict, StepResult, StepState, StepStatus
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


def pytest_passes(tree: Path, paths: list[str]) -> bool:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *paths],
            cwd=tree,
            capture_output=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False  # a tree whose tests never end (the unrepaired bug loops) fails
    return proc.returncode == 0


def blind_protocol(program: dict[str, object], ctx: SensorContext, steps: int = 3) -> dict[str, object]:
    """Up to `steps` search steps, each graded on the held-out cases until they pass (budget = steps)."""
    from repair_corpus.build import build

    name = str(program["name"])
    with tempfile.TemporaryDirectory(prefix="codefit-bench-corpus-") as tmp:
        ws, hidden = Path(tmp) / "ws", Path(tmp) / "hidden"
        build(program, ws, hidden)
        feedback, session = "", {}
        blind: tuple[HiddenVerdict, ...] = ()
        seconds, submitted, verdicts = 0.0, [], []
        optimizer = SearchOptimizer(SearchOptions())
        for step in range(steps):
            state = StepState(
                workspace=ws,
                step=step,
                task=(ws / "TASK.md").read_text(),
                feedback=feedback,
                task_file=ws / "TASK.md",
                feedback_file=ws / "FEEDBACK.md",
                train_sensors=[train_sensor()],
                sensor_context=ctx,
                run_checks=list,
                writable=("*.py",),
                protected=("tests/**",),
                session=session,
                blind=blind,
            )
            start = time.monotonic()
            result = optimizer.step(state)
            seconds += time.monotonic() - start
            session = result.session or session
            if result.status != StepStatus.EDITED:
                break
            submitted.append(
                next(
                    (e.data.get("description", "") for e in result.transcript if e.name == "chosen patch"), ""
                )
            )
            grading = Path(tmp) / f"grade{step}"
            shutil.copytree(ws, grading)
            shutil.copytree(hidden, grading / "heldout")
            held = pytest_passes(grading, ["heldout"])
            verdicts.append(held)
            if held:
                break
            left = steps - step - 1
            feedback = f"# Feedback after step {step + 1}\n\n## Hidden check holdout (queries left: {left})\n"
            blind = (HiddenVerdict(sensor="holdout", passed=False),)
        final = Path(tmp) / "final"
        shutil.copytree(ws, final)
        shutil.copytree(hidden, final / "heldout")
        train = pytest_passes(final, ["tests"])
        held = pytest_passes(final, ["heldout"])
    outcome = "repaired" if train and held else "overfit" if train else "unrepaired"
    return {
        "name": name,
        "outcome": outcome,
        "seconds": seconds,
        "submitted": submitted,
        "verdicts": verdicts,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def corpus(names: list[str]) -> None:
    from repair_corpus.build import programs

    ctx = SensorContext(python=sys.executable)
    chosen = [p for p in programs() if not names or p["name"] in names]
    print(f"{'program':20} {'outcome':10} {'secs':>6} {'steps':>5}  submitted (held-out verdict)")
    rows = []
    for program in chosen:
        row = blind_protocol(program, ctx)
        rows.append(row)
        tried = "; ".join(
            f"{d} ({'pass' if v else 'FAIL'})"
            for d, v in zip(row["submitted"], row["verdicts"], strict=False)  # type: ignore[call-overload]
        )
        print(
            f"{row['name']:20} {row['outcome']:10} {row['seconds']:>6.1f} {len(row['verdicts']):>5}  {tried}",
            flush=True,
        )  # type: ignore[arg-type]
    counts = {k: sum(1 for r in rows if r["outcome"] == k) for k in ("repaired", "overfit", "unrepaired")}
    plausible = counts["repaired"] + counts["overfit"]
    times = [float(str(r["seconds"])) for r in rows]
    print("-" * 72)
    print(
        f"{len(rows)} programs: {counts['repaired']} repaired on all cases, {counts['overfit']} overfit "
        f"({100 * counts['overfit'] / max(plausible, 1):.0f}% of {plausible} plausible), "
        f"{counts['unrepaired']} unrepaired; seconds per program: median {percentile(times, 0.5):.1f}, "
        f"p90 {percentile(times, 0.9):.1f} (os.cpu_count() = {os.cpu_count()})"
    )


def _single_bug_examples() -> list[Path]:
    """The bundled suite's tasks: one bug, held-out validation and test. The phased and the
    checkpointed examples are not programs one search step repairs (the suite leaves them out)."""
    suite = tomllib.loads((EXAMPLES / "suite.toml").read_text(encoding="utf-8"))
    return [EXAMPLES / str(task["name"]) for task in suite["tasks"]]


def main(names: list[str]) -> None:
    ctx = SensorContext(python=sys.executable)
    examples = [EXAMPLES / n for n in names] if names else _single_bug_examples()
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
    if sys.argv[1:2] == ["--corpus"]:
        corpus(sys.argv[2:])
    else:
        main(sys.argv[1:])
