"""Real projects from PyPI, end to end: bench/realworld.py on three corpus projects of different shapes.

Each project is a pinned sdist with a recorded bug and held-out tests carved from its own suite; its
own virtual environment is its `.venv` (an editable install where the project is installed that way).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "bench" / "realworld.py"
# src layout + editable install + addopts color + a tracked file matching .gitignore; flat layout;
# a namespace package with a root conftest; a version module the install writes and git ignores.
PROJECTS = ["humanize", "inflection", "jaraco.functools", "isodate"]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", PROJECTS)
def test_real_project_collects_agrees_and_tells_a_fix_from_a_hard_coder(name: str) -> None:
    bench = load_bench()
    project = next(p for p in bench.load_corpus() if p.name == name)
    modes = ["honest", "hardcode"] if project.hardcode else ["honest"]
    row = bench.measure(project, modes, repeat=1)
    assert row["collects"], row.get("error")
    assert row["agrees"], row["disagree"]
    assert row["failing"] > 0  # the recorded bug shows in the visible tests
    assert row["honest"]["met"], row["honest"]
    if project.hardcode:
        assert not row["hardcode"]["met"], row["hardcode"]


# Two test workers (or benches) reaching one corpus entry at once: the second waits for the first.
HOLDER = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("rw", sys.argv[1])
rw = importlib.util.module_from_spec(spec); sys.modules["rw"] = rw; spec.loader.exec_module(rw)
with rw.exclusive("demo-1.0"):
    with rw.exclusive("demo-1.0"):  # taken again by the same process: no wait on itself
        with open(sys.argv[2], "a") as log:
            log.write(f"in {sys.argv[3]}\\n"); log.flush(); time.sleep(0.5)
            log.write(f"out {sys.argv[3]}\\n")
"""


def test_a_corpus_entry_is_built_by_one_process_at_a_time(tmp_path: Path) -> None:
    env = {**os.environ, "CODEFIT_CORPUS_CACHE": str(tmp_path / "cache")}
    log = tmp_path / "log"
    argv = [sys.executable, "-c", HOLDER, str(BENCH), str(log)]
    procs = [subprocess.Popen([*argv, name], env=env) for name in ("a", "b")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    lines = log.read_text().split()
    assert lines[0::4] == ["in", "in"] and lines[2::4] == ["out", "out"], (
        "the second entered before the first left"
    )
    assert lines[1] == lines[3] and lines[5] == lines[7] and lines[1] != lines[5]
