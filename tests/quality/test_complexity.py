"""Complexity, erosion and concentration on crafted code whose figures are known by hand."""

from __future__ import annotations

import math
import textwrap

import pytest

from codefit.quality.complexity import FunctionMetrics, Nesting, erosion, functions_of, gini, summarise
from codefit.quality.sources import parse_source


def _classify_source(branches: int) -> str:
    """A function with `branches` if/elif arms: cyclomatic complexity branches + 1."""
    lines = ["def classify(n):"]
    for i in range(branches):
        lines += [f"    {'if' if i == 0 else 'elif'} n == {i}:", f"        return {i}"]
    lines.append("    return -1")
    return "\n".join(lines) + "\n"


ADD = textwrap.dedent(
    '''
    def add(a, b):
        """Add.

        Docstring lines are not code.
        """
        # neither are comments

        return a + b
    '''
)


def test_function_complexity_and_sloc_exclude_docstrings_comments_and_blanks() -> None:
    [add] = functions_of(parse_source("m.py", ADD))
    assert (add.name, add.line, add.complexity, add.sloc) == ("add", 2, 1, 2)


def test_eleven_branches_give_complexity_twelve() -> None:
    [fn] = functions_of(parse_source("m.py", _classify_source(11)))
    assert fn.complexity == 12
    assert fn.sloc == 1 + 22 + 1


def test_nested_functions_and_methods_are_their_own_units() -> None:
    source = textwrap.dedent(
        """
        def outer(x):
            def inner(y):
                if y:
                    return 1
                return 2
            return inner(x)

        class Box:
            def get(self, k):
                for item in k:
                    if item:
                        return item
            class Inner:
                def run(self):
                    return 0
        """
    )
    found = {(f.name, f.complexity, f.sloc) for f in functions_of(parse_source("m.py", source))}
    assert found == {
        ("outer", 1, 2),  # its own two lines, without inner's four
        ("outer.inner", 2, 4),
        ("Box.get", 3, 4),
        ("Box.Inner.run", 1, 2),
    }


def test_a_function_ends_at_its_last_line_even_when_that_line_only_closes_a_bracket() -> None:
    source = textwrap.dedent(
        """
        def fmt(a):
            return "%s-%s" % (
                a,
                a,
            )

        def check(v):
            assert v == 1
        """
    )
    fmt, check = functions_of(parse_source("m.py", source))
    assert (fmt.end_line, fmt.sloc) == (6, 5)
    assert (check.end_line, check.sloc) == (9, 2)


DECORATOR_FACTORY = textwrap.dedent(
    """
    def cached(key):
        def decorator(fn):
            if key is None:
                def wrapper(x):
                    if x:
                        return fn(x)
                    return None
            else:
                def wrapper(x):
                    return fn(key(x)) if x else None
            return wrapper
        return decorator
    """
)


def test_inclusive_nesting_counts_nested_branches_and_lines_in_the_enclosing_functions() -> None:
    source = parse_source("m.py", DECORATOR_FACTORY)
    separate = [(f.line, f.complexity, f.sloc) for f in functions_of(source)]
    inclusive = [(f.line, f.complexity, f.sloc) for f in functions_of(source, Nesting.INCLUSIVE)]
    assert separate == [(2, 1, 2), (3, 2, 4), (5, 2, 4), (10, 2, 2)]
    # decorator: 1 + its own `if` + one wrapper's `if` + the other's conditional expression (a nested
    # `def` adds its decision points, not the 1 every function starts from); cached: the same three
    assert inclusive == [(2, 4, 12), (3, 4, 10), (5, 2, 4), (10, 2, 2)]


def test_erosion_is_the_share_of_mass_above_the_threshold() -> None:
    functions = functions_of(parse_source("m.py", ADD + "\n" + _classify_source(11)))
    heavy, light = 12 * math.sqrt(24), 1 * math.sqrt(2)
    assert erosion(functions) == pytest.approx(heavy / (heavy + light))
    assert erosion(functions, threshold=12) == 0.0


def test_erosion_of_code_without_functions_is_zero() -> None:
    assert erosion([]) == 0.0


def test_gini_of_two_values_matches_the_closed_form() -> None:
    a, b = 2.0, 6.0
    assert gini([b, a]) == pytest.approx((b - a) / (2 * (a + b)))
    assert gini([3.0, 3.0, 3.0]) == 0.0
    assert gini([5.0]) == 0.0


def test_summary_reports_max_and_mean() -> None:
    functions = [
        FunctionMetrics(path="m.py", name=n, line=i, end_line=i, complexity=c, sloc=4)
        for i, (n, c) in enumerate([("a", 1), ("b", 3), ("c", 14)])
    ]
    summary = summarise(functions)
    assert (summary.functions, summary.complexity_max) == (3, 14)
    assert summary.complexity_mean == pytest.approx(6.0)
    assert summary.erosion == pytest.approx(14 / 18)
    # masses 2, 6, 28 (x sqrt(4) = 2): gini = (2*(1*2 + 2*6 + 3*28)) / (3*36) - 4/3
    assert summary.concentration == pytest.approx(2 * 98 / 108 - 4 / 3)
