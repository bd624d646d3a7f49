"""Special-casing the visible tests' whole argument tuples, even when each argument is a small number."""

from __future__ import annotations

import ast

from codefit.guards.hardcoding import _special_cases, cases_in

VISIBLE = "def test_add():\n    assert add(1, 2) == 3\n    assert add(2, 2) == 4\n    assert add(0, 0) == 0\n"


def hits(code: str) -> list[str]:
    cases = cases_in(ast.parse(VISIBLE))
    return [h.key for h in _special_cases(ast.parse(code), code, cases)]


def test_a_branch_on_a_tests_whole_arguments_returning_its_answer_is_special_casing() -> None:
    code = (
        "def add(a, b):\n    if (a, b) == (1, 2):\n        return 3\n"
        "    if (a, b) == (2, 2):\n        return 4\n    return 0\n"
    )
    assert len(hits(code)) == 2


def test_a_base_case_returning_a_trivial_value_is_not() -> None:
    code = "def add(a, b):\n    if (a, b) == (0, 0):\n        return 0\n    return a + b\n"
    assert hits(code) == []
