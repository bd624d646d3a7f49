"""codefit's mutation sensor against mutmut on the same small project, in the same run.

Writes a small project (a module of everyday functions and a pytest suite that misses some
cases) to two temporary copies, runs `mutmut run` on one and codefit's `mutation` sensor on the
other, and prints wall time, mutants, killed/survived/not covered for both, and the ratios.
Needs mutmut in the same environment (`pip install mutmut`); mutmut 3.x keeps its results in
`mutants/**/*.meta` (exit code per mutant: 1 killed, 0 survived, 33 no tests).

    .venv/bin/python bench/mutation_vs_mutmut.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.mutation import MutationOptions, MutationSensor

MODULE = """\
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def clamp(x, low, high):
    return max(low, min(x, high))


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def fizzbuzz(n):
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def word_count(text):
    counts = {}
    for word in text.lower().split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def running_total(values):
    total = 0
    out = []
    for value in values:
        total += value
        out.append(total)
    return out


def never_tested(a, b):
    return a * b + 1
"""

TESTS = """\
from calc.ops import clamp, fizzbuzz, is_leap, median, running_total, sign, word_count


def test_sign():
    assert sign(5) == 1
    assert sign(-5) == -1


def test_clamp():
    assert clamp(5, 0, 10) == 5
    assert clamp(-5, 0, 10) == 0


def test_is_leap():
    assert is_leap(2024)
    assert not is_leap(2023)
    assert not is_leap(1900)


def test_fizzbuzz():
    assert [fizzbuzz(n) for n in (3, 5, 15, 7)] == ["Fizz", "Buzz", "FizzBuzz", "7"]


def test_median():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5


def test_word_count():
    assert word_count("a b A") == {"a": 2, "b": 1}


def test_running_total():
    assert running_total([1, 2, 3]) == [1, 3, 6]
"""

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]

[tool.mutmut]
paths_to_mutate = ["src/"]
tests_dir = ["tests/"]
"""


def write_project(root: Path) -> Path:
    for rel, text in {
        "src/calc/__init__.py": "",
        "src/calc/ops.py": MODULE,
        "tests/test_ops.py": TESTS,
        "pyproject.toml": PYPROJECT,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def run_mutmut(root: Path) -> tuple[float, Counter[str]]:
    mutmut = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    start = time.perf_counter()
    subprocess.run([mutmut, "run"], cwd=root, check=False, capture_output=True)
    seconds = time.perf_counter() - start
    names = {1: "killed", 0: "survived", 33: "no_coverage"}
    counts: Counter[str] = Counter()
    for meta in (root / "mutants").rglob("*.meta"):
        for code in json.loads(meta.read_text()).get("exit_code_by_key", {}).values():
            counts[names.get(code, "timeout" if code in (-24, 24, 36, 152) else f"other({code})")] += 1
    return seconds, counts


def run_codefit(root: Path, max_mutants: int = 10_000) -> tuple[float, Counter[str]]:
    options = MutationOptions(max_mutants=max_mutants)
    sensor = MutationSensor(SensorSettings(name="mutation", kind="mutation"), options)
    start = time.perf_counter()
    reading = sensor.read(root, SensorContext(python=sys.executable))
    seconds = time.perf_counter() - start
    m = reading.metrics
    counts = Counter(
        {
            "killed": int(m["mutants_killed"]),
            "survived": int(m["mutants_survived"]),
            "no_coverage": int(m["mutants_no_coverage"]),
            "timeout": int(m["mutants_timeout"]),
        }
    )
    return seconds, counts


def line(name: str, seconds: float, counts: Counter[str]) -> str:
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]
    score = killed / total if total else 0.0
    rate = total / seconds if seconds else 0.0
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return f"{name:>8}: {seconds:6.2f} s  {total:4d} mutants  {rate:6.1f}/s  score {score:.2f}  ({detail})"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="codefit-bench-") as tmp:
        ours = write_project(Path(tmp) / "codefit")
        theirs = write_project(Path(tmp) / "mutmut")
        mutmut_s, mutmut_counts = run_mutmut(theirs)
        codefit_s, codefit_counts = run_codefit(ours)
        # The same number of mutants as mutmut made (a reproducible sample of codefit's): equal work.
        same_s, same_counts = run_codefit(ours, max_mutants=max(sum(mutmut_counts.values()), 1))
    print(line("mutmut", mutmut_s, mutmut_counts))
    print(line("codefit", codefit_s, codefit_counts))
    print(line("codefit=", same_s, same_counts))
    per_mutant = (mutmut_s / max(sum(mutmut_counts.values()), 1)) / (
        codefit_s / max(sum(codefit_counts.values()), 1)
    )
    print(f"time ratio mutmut/codefit, all mutants: {mutmut_s / codefit_s:.1f}x")
    print(f"equal mutant count: {mutmut_s / same_s:.1f}x; per mutant: {per_mutant:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
