"""`codefit check` on a typical pull request against one run of the project's own tests.

    .venv/bin/python bench/check_overhead.py [--project more-itertools] [--repeat 3]

A real project from the corpus (bench/realworld_corpus.toml), its suite split by `codefit split`
(20 % validation, 10 % test, sealed), a pull request that fixes the recorded bug; the ratio of
medians: `codefit check --base main --head pr` over `pytest` once on the head. Target: <= 1.3x.

Baselines, all on the pull request's code:
- the project's whole suite as it was before the split (the check runs all of it, visible and
  held-out), cold: no bytecode and no cache of pytest's assertion rewriting, as on the fresh clone a
  CI job (where the check runs) tests. This is the target's baseline;
- the same suite warm: a developer's repeat run, bytecode and rewritten test modules cached by a
  run before it (the check never reuses them: it runs in fresh copies);
- the visible suite alone (what is left in the repository after the split), cold.
Every run gets the environment as a user's machine has it, without PYTHONDONTWRITEBYTECODE, unless
it is a cold run, which sets it and starts without any `__pycache__`. Each ratio is printed for wall
time and for CPU time (the processes' user + system time, children included), which a busy machine
disturbs far less than wall time.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "qwmVk0bgn5vBIvzJ_5V7cf84R0q-NK0lohpEk2kkJ4U="


def load_realworld():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("realworld", ROOT / "bench" / "realworld.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["realworld"] = module
    spec.loader.exec_module(module)
    return module


USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
COLD = {"PYTHONDONTWRITEBYTECODE": "1"}


def sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**USER_ENV, **(env or {})})


def no_bytecode(tree: Path) -> Path:
    for cache in [p for p in tree.rglob("__pycache__") if ".venv" not in p.parts]:
        shutil.rmtree(cache)
    return tree


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds of one run of `cmd`, and its outcome."""
    cpu, start = children_cpu(), time.perf_counter()
    done = sh(cmd, cwd, env)
    return time.perf_counter() - start, children_cpu() - cpu, done


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default="more-itertools")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it (for profiling)")
    opts = parser.parse_args()
    rw = load_realworld()
    project = next(p for p in rw.load_corpus() if p.name == opts.project)
    env = {"CODEFIT_SEAL_KEY": KEY, **rw.IDENTITY}
    # No "f" in the path: boltons' test_iter_find_files strips it with str.lstrip (a character set),
    # and fails where the path holds one; a temporary name's random letters did, one build in five.
    scratch = Path(tempfile.gettempdir()) / f"bench-check-{os.getpid()}-{time.monotonic_ns()}"
    scratch.mkdir(mode=0o700)
    try:
        tmp = opts.keep or scratch
        tmp.mkdir(parents=True, exist_ok=True)
        prep = rw.prepare(project, tmp)
        repo = prep.repo
        codefit = [sys.executable, "-m", "codefit"]
        sh([*codefit, "init", str(repo), "--force"], repo, env)
        split = sh([*codefit, "split", "--validation", "0.2", "--test", "0.1", "--seal"], repo, env)
        assert split.returncode == 0, split.stdout + split.stderr
        sh(["git", "add", "-A"], repo)
        sh(["git", "commit", "-qm", "spec and sealed held-out tests"], repo, env)
        sh(["git", "checkout", "-q", "-b", "pr"], repo)
        target = repo / project.file
        target.write_text(target.read_text().replace(project.new, project.old))
        sh(["git", "commit", "-qam", "fix the bug"], repo, env)
        args = rw.train_args(prep)
        whole = tmp / "whole-suite"  # the suite before the split, on the pull request's code
        whole.mkdir()
        archive = subprocess.run(["git", "archive", "main~1"], cwd=repo, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(whole)], input=archive.stdout, check=True)
        shutil.copy2(target, whole / project.file)
        runs: dict[str, list[tuple[float, float]]] = {"whole": [], "warm": [], "visible": [], "check": []}
        pytest = [str(prep.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        warm = tmp / "whole-suite-warm"
        shutil.copytree(whole, warm)
        sh(pytest, warm)  # fills the caches a developer's repeat run has
        for _ in range(opts.repeat):
            runs["whole"].append(timed(pytest, no_bytecode(whole), COLD)[:2])
            runs["warm"].append(timed(pytest, warm)[:2])
            runs["visible"].append(timed(pytest, no_bytecode(repo), COLD)[:2])
            wall_s, cpu_s, done = timed([*codefit, "check", "--base", "main", "--head", "pr"], repo, env)
            runs["check"].append((wall_s, cpu_s))
            if done.returncode != 0:  # an honest pull request: say why, the timing is still shown
                print(done.stdout + done.stderr[-2000:])
        print(done.stdout.splitlines()[0] if done.stdout else done.stderr[-500:])
        wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
        names = {"whole": "whole suite", "warm": "whole suite, warm", "visible": "visible suite"}
        print(
            f"{project.key}: "
            + ", ".join(f"{names[k]} {wall[k]:.2f} s ({cpu[k]:.2f} s cpu)" for k in names)
            + f", codefit check {wall['check']:.2f} s ({cpu['check']:.2f} s cpu)"
        )
        for base, name in names.items():
            target = " (target <= 1.3x)" if base == "whole" else ""
            print(
                f"  check / {name}: {wall['check'] / wall[base]:.2f}x wall{target}, "
                f"{cpu['check'] / cpu[base]:.2f}x cpu, +{wall['check'] - wall[base]:.2f} s wall"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
