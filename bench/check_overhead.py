"""`codefit check` on a typical pull request against one run of the project's own tests.

    .venv/bin/python bench/check_overhead.py [--project more-itertools] [--repeat 3]

A real project from the corpus (bench/realworld_corpus.toml), its suite split by `codefit split`
(20 % validation, 10 % test, sealed), a pull request that fixes the recorded bug; the ratio of
medians: `codefit check --base main --head pr` over `pytest` once on the head. Target: <= 1.3x.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
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


def sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default="more-itertools")
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    rw = load_realworld()
    project = next(p for p in rw.load_corpus() if p.name == opts.project)
    env = {"CODEFIT_SEAL_KEY": KEY, **rw.IDENTITY}
    with tempfile.TemporaryDirectory(prefix="codefit-bench-check-") as tmp:
        prep = rw.prepare(project, Path(tmp))
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
        bare, gated = [], []
        for _ in range(opts.repeat):
            start = time.perf_counter()
            sh([str(prep.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], repo)
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            done = sh([*codefit, "check", "--base", "main", "--head", "pr"], repo, env)
            gated.append(time.perf_counter() - start)
        print(done.stdout.splitlines()[0] if done.stdout else done.stderr[-500:])
        ratio = statistics.median(gated) / statistics.median(bare)
        print(
            f"{project.key}: pytest once {statistics.median(bare):.2f} s, codefit check "
            f"{statistics.median(gated):.2f} s: {ratio:.2f}x (target <= 1.3x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
