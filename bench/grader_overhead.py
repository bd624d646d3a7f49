"""What the grader's run-time checks cost: codefit's pytest run against a bare pytest run.

Builds a synthetic project with a few hundred tests (plain functions, parametrized cases,
unittest classes, fixtures; each doing a little real work; one kind each a subject of its own, so
that the twins' budget binds), then runs, interleaved, `repeats` times each:
- bare:    `python -m pytest -q -p no:cacheprovider tests` (plugin autoload; pytest then also
           rewrites the asserts of every installed plugin's modules, which costs time of its own)
- named:   the same with autoload off and the installed plugins named (`-p NAME`): loaded the way
           codefit loads them, so that only the checks differ (the target's baseline);
- checked: the same tests through codefit's boot module (safe path, plugins loaded explicitly,
           audit hook, watch after every test, signed report), as the pytest sensor starts it;
- twins:   the checked run with impossible twins planted in the tests, as a held-out grading run
           executes it (twins are a sample: one per subject, at most `twins.budget`; twin rows go
           into every eligible parametrize table, `table_twins`).
All run without the sandbox. Prints the medians (CPU and wall) and the ratios of medians
(targets: checked / named <= 1.10 and twins / named <= 1.10; checked / bare is printed too).
About a minute with the defaults:

    .venv/bin/python bench/grader_overhead.py --tests 400 --repeats 9
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import distributions
from pathlib import Path

from codefit.sensors.pytest_report import new_key, read_report
from codefit.sensors.pytest_sensor import BOOT_MODULE, PLUGIN_DIR
from codefit.workspace import twins

MODULE = """\
import unittest

import pytest

from shapes import area, mean, words


@pytest.fixture
def numbers():
    return list(range(50))

"""
CASES = [
    "def test_mean_{i}(numbers):\n    assert mean(numbers[:{i} % 40 + 1]) == pytest.approx(({i} % 40) / 2)\n",
    # A table whose answers are a parameter: a held-out run splices twin rows into it (`table_twins`).
    (
        "@pytest.mark.parametrize('n, h, total', [(1, {i}, {i}), (2, {i}, {i2}), (3, {i}, {i3})])\n"
        "def test_area_{i}(n, h, total):\n    assert area(n, h) == total\n"
    ),
    "def test_words_{i}():\n    assert words('a b c {i}') == 4\n",
    (
        "class TestArea{i}(unittest.TestCase):\n"
        "    def test_square(self):\n        self.assertEqual(area({i}, {i}), {i} * {i})\n"
    ),
    # Each a subject of its own: the twins' budget, not the subjects, bounds them (the worst case).
    "def test_digits_{i}():\n    assert len(str({i}) * 3) == {digits}\n",
]
SOURCE = (
    "def mean(xs):\n    return sum(xs) / len(xs)\n\n"
    "def area(w, h):\n    return sum(w for _ in range(h))\n\n"
    "def words(text):\n    return len(text.split())\n"
)


def make_project(root: Path, tests: int) -> int:
    """Write the project; returns the number of test cases pytest will collect."""
    (root / "tests").mkdir(parents=True)
    (root / "shapes.py").write_text(SOURCE)
    per_module = 20
    count = 0
    for m in range(0, tests, per_module):
        body = MODULE
        for i in range(m, min(m + per_module, tests)):
            n = i + 1
            body += "\n" + CASES[i % len(CASES)].format(i=n, i2=2 * n, i3=3 * n, digits=3 * len(str(n)))
            count += 3 if i % len(CASES) == 1 else 1
        (root / "tests" / f"test_m{m // per_module}.py").write_text(body)
    return count


def bare(named: bool) -> tuple[list[str], dict[str, str]]:
    """The bare command and its environment; `named`: autoload off, installed plugins named."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CODEFIT_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    if named:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        plugins = sorted({e.name for d in distributions() for e in d.entry_points if e.group == "pytest11"})
        argv += [arg for name in plugins for arg in ("-p", name)]
    return argv, env


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_bare(root: Path, named: bool = False) -> tuple[float, float]:
    """One bare run: (wall seconds, CPU seconds)."""
    argv, env = bare(named)
    start, cpu = time.perf_counter(), cpu_seconds()
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start, cpu_seconds() - cpu
    if done.returncode != 0:
        raise SystemExit(f"bare pytest failed:\n{done.stdout[-2000:]}")
    return elapsed


def run_checked(root: Path, report_dir: Path, heldout: bool = False) -> tuple[tuple[float, float], int]:
    """One run as the pytest sensor starts it (less the sandbox): ((wall, CPU seconds), tests reported).
    `heldout`: as it starts a held-out split's run, with Python's own tracebacks (`--tb=native`)."""
    report = report_dir / "report.jsonl"
    report.unlink(missing_ok=True)
    key = new_key()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CODEFIT_"))}
    env.update(
        PYTHONPATH=str(PLUGIN_DIR),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONSAFEPATH="1",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        CODEFIT_PYTEST_REPORT=str(report),
        CODEFIT_TEST_TIMEOUT="0",
        CODEFIT_OWN_MODULES="shapes,tests",
    )
    argv = [sys.executable, "-m", BOOT_MODULE, "-q", "-p", "no:cacheprovider"]
    argv += ["--tb=native", "tests"] if heldout else ["tests"]
    start, cpu = time.perf_counter(), cpu_seconds()
    done = subprocess.run(
        argv, cwd=root, env=env, input=key.hex() + "\n", capture_output=True, text=True, timeout=600
    )
    elapsed = time.perf_counter() - start, cpu_seconds() - cpu
    parsed = read_report(report, key)
    tampered = [e for e in parsed.events if e.get("event") == "tampered"]
    if parsed.forged or tampered:
        raise SystemExit(
            f"an honest run was read as tampered: {parsed.forged or tampered}\n{done.stdout[-2000:]}"
        )
    return elapsed, sum(1 for e in parsed.events if e.get("event") == "test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=400, help="test functions to generate")
    parser.add_argument("--repeats", type=int, default=9, help="runs of each variant")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codefit-bench-grader-") as tmp:
        root, with_twins, reports = Path(tmp) / "project", Path(tmp) / "twins", Path(tmp) / "reports"
        cases = make_project(root, options.tests)
        shutil.copytree(root, with_twins)
        plan = twins.plant(with_twins / "tests")
        reports.mkdir()
        times: dict[str, list[tuple[float, float]]] = {"bare": [], "named": [], "checked": [], "twins": []}
        reported = 0
        run_bare(root)  # warm the file cache
        for _ in range(options.repeats):
            times["bare"].append(run_bare(root))
            times["named"].append(run_bare(root, named=True))
            elapsed, reported = run_checked(root, reports)
            times["checked"].append(elapsed)
            times["twins"].append(run_checked(with_twins, reports, heldout=True)[0])
        if reported != cases:
            raise SystemExit(f"the checked run reported {reported} of {cases} tests")
        wall = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
        cpu = {k: statistics.median(t[1] for t in v) for k, v in times.items()}
        rows = sum(len(table.ids) for table in plan.rows.values())
        print(
            f"{cases} tests ({len(plan.twins)} twins and {rows} twin rows in the twin variant), "
            f"{options.repeats} runs each"
        )
        for name in times:
            runs = ", ".join(f"{t[0]:.2f}" for t in times[name])
            print(f"  {name:8} median wall {wall[name]:.3f} s, CPU {cpu[name]:.3f} s   wall runs: {runs}")
        print(
            f"run-time checks: checked / named = {cpu['checked'] / cpu['named']:.3f} CPU (target <= 1.10), "
            f"{wall['checked'] / wall['named']:.3f} wall; checked / bare (autoload) = "
            f"{cpu['checked'] / cpu['bare']:.3f} CPU"
        )
        print(
            f"held-out run with twins / named = {cpu['twins'] / cpu['named']:.3f} CPU (target <= 1.10), "
            f"{wall['twins'] / wall['named']:.3f} wall"
        )


if __name__ == "__main__":
    main()
