"""Guard edits: a condition extended with a guard of the function, a guard statement inserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit.optimizers.base import StepStatus
from codefit.optimizers.search import SearchOptimizer, SearchOptions, guards
from tests.conftest import MakeRepo
from tests.optimizers.search.test_operators import results
from tests.optimizers.search.test_optimizer import state_for

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
TRIANGLE = """\
def kind(a, b, c):
    if a == b or b == c:
        return 'isosceles'
    return 'scalene'
"""


def test_a_condition_gains_a_comparison_of_the_function_with_one_name_changed() -> None:
    got = results(guards.condition_extension, TRIANGLE, 2)
    assert TRIANGLE.replace("b == c:", "b == c or a == c:") in got
    assert TRIANGLE.replace("if a == b or b == c:", "if (a == b or b == c) and a == c:") in got
    assert TRIANGLE.replace("b == c:", "b == c or a == b:") not in got, "a guard already there"


def test_a_condition_without_comparisons_in_its_function_is_left_alone() -> None:
    assert results(guards.condition_extension, "def f(x):\n    if x:\n        return 1\n", 2) == set()


def test_a_guard_statement_returns_early_or_skips_an_iteration() -> None:
    source = "def percent(part, whole):\n    share = part / whole\n    return round(100 * share)\n"
    got = results(guards.guard_insertion, source, 2)
    assert source.replace("    share", "    if not whole:\n        return 0\n    share") in got
    assert source.replace("    share", "    if whole is None:\n        return None\n    share") in got
    looped = "def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n"
    got = results(guards.guard_insertion, looped, 4)
    assert (
        looped.replace("        t += x", "        if x is None:\n            continue\n        t += x") in got
    )
    assert all("continue" not in g for g in results(guards.guard_insertion, looped, 2)), "not in a loop"


@pytest.mark.parametrize(
    ("example", "module", "fixed"),
    [
        ("board_square", "board.py", "if 0 <= x < size and 0 <= y < size:"),
        ("percent_of_zero", "percent.py", "    if not whole:\n        return 0\n"),
    ],
)
def test_the_bundled_examples_that_need_a_guard_are_repaired(
    make_repo: MakeRepo, example: str, module: str, fixed: str
) -> None:
    repo_dir = EXAMPLES / example / "repo"
    tests = next((repo_dir / "tests").glob("test_*.py"))
    repo = make_repo({module: (repo_dir / module).read_text(), f"tests/{tests.name}": tests.read_text()})
    result = SearchOptimizer(SearchOptions(step_seconds=60)).step(state_for(repo))
    assert result.status == StepStatus.EDITED, result.summary
    assert fixed in (repo / module).read_text()
