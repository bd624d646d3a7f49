"""Real projects from PyPI, end to end: bench/realworld.py on three corpus projects of different shapes.

Each project is a pinned sdist with a recorded bug and held-out tests carved from its own suite; its
own virtual environment is its `.venv` (an editable install where the project is installed that way).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "bench" / "realworld.py"
# src layout + editable install + addopts color + a tracked file matching .gitignore; flat layout;
# a namespace package with a root conftest.
PROJECTS = ["humanize", "inflection", "jaraco.functools"]


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
