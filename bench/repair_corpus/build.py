"""Materialise a corpus program: the buggy module, its visible tests, its held-out tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from repair_corpus.programs import PROGRAMS, Program

TEST = """import pytest
from {module} import {function}

CASES = {cases}


@pytest.mark.parametrize(("args", "expected"), CASES)
def test_{function}(args, expected):
    assert {function}(*args) == expected
"""


def function_name(source: str) -> str:
    return re.findall(r"^def (\w+)\(", source, flags=re.MULTILINE)[-1]


def expected(program: Program) -> list[tuple[tuple[Any, ...], Any]]:
    """Every case with the answer of the correct function (written for this corpus; it terminates)."""
    scope: dict[str, Any] = {}
    exec(compile(program["source"], program["name"], "exec"), scope)  # our own corpus
    function = scope[function_name(program["source"])]
    return [(tuple(args), function(*args)) for args in program["cases"]]


def build(program: Program, repo: Path, hidden: Path) -> None:
    """repo/NAME.py (with the bug), repo/tests/test_NAME.py (the even cases) and
    hidden/test_NAME_holdout.py (the odd ones)."""
    name = program["name"]
    old, new = program["bug"]
    buggy = program["source"].replace(old, new)
    cases = expected(program)
    function = function_name(program["source"])
    (repo / "tests").mkdir(parents=True)
    hidden.mkdir(parents=True)
    (repo / f"{name}.py").write_text(buggy)
    (repo / "TASK.md").write_text(f"Fix `{function}` in {name}.py so that its tests pass.\n")
    visible, held_out = cases[0::2], cases[1::2]
    (repo / "tests" / f"test_{name}.py").write_text(
        TEST.format(module=name, function=function, cases=repr(visible))
    )
    (hidden / f"test_{name}_holdout.py").write_text(
        TEST.format(module=name, function=function, cases=repr(held_out))
    )


def programs() -> list[Program]:
    return PROGRAMS
