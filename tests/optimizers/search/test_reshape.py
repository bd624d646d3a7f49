"""The edit kinds beyond one-token swaps, each on the smallest program that needs it."""

from __future__ import annotations

from codefit.optimizers.search import operators as ops
from codefit.optimizers.search import reshape
from tests.optimizers.search.test_operators import results


def test_slice_addition_on_a_name_used_as_a_sequence() -> None:
    source = "def f(xs, k):\n    n = len(xs)\n    return sum(xs) + k\n"
    got = results(reshape.slice_addition, source, 3)
    assert "def f(xs, k):\n    n = len(xs)\n    return sum(xs[1:]) + k\n" in got
    assert "def f(xs, k):\n    n = len(xs)\n    return sum(xs[k:]) + k\n" in got
    assert all("k[" not in g for g in got), "k is a number, not a sequence"


def test_addition_swap_for_strings_and_lists() -> None:
    assert results(reshape.addition_swap, "p = path + [x]\n", 1) == {"p = [x] + path\n"}


def test_subscript_tuple_swap_and_off_by_one() -> None:
    got = results(reshape.subscript_tuple, "v = d[j, k]\n", 1)
    assert {"v = d[k, j]\n", "v = d[j, k - 1]\n", "v = d[j + 1, k]\n"} <= got


def test_bitwise_and_augmented_bitwise_operators() -> None:
    assert "r = a & b\n" in results(ops.binary_operator, "r = a ^ b\n", 1)
    assert "r = a + b\n" not in results(ops.binary_operator, "r = a ^ b\n", 1)
    assert "acc &= x\n" in results(ops.augmented_assignment, "acc ^= x\n", 1)


def test_call_unwrap_of_a_project_function_and_call_to_variable() -> None:
    source = "def f(xs, best):\n    return helper(xs)\n"
    assert "def f(xs, best):\n    return xs\n" in results(reshape.call_unwrap, source, 2)
    assert results(reshape.call_unwrap, "def f(xs):\n    return len(xs)\n", 2) == set()
    assert "def f(xs, best):\n    return best\n" in results(reshape.call_to_variable, source, 2)


def test_subexpression_adds_a_power_or_another_number() -> None:
    source = "def f(k, m):\n    if k > m:\n        return k\n    return m\n"
    got = results(reshape.subexpression, source, 3)
    assert "def f(k, m):\n    if k > m:\n        return k ** 2\n    return m\n" in got
    assert "def f(k, m):\n    if k > m:\n        return k - m\n    return m\n" in got


def test_statement_variant_copies_a_nearby_statement_with_one_name_changed() -> None:
    source = (
        "def walk(start, graph):\n"
        "    seen = set()\n"
        "    seen.add(start)\n"
        "    for node in graph:\n"
        "        total = node\n"
        "    return seen\n"
    )
    got = results(reshape.statement_variant, source, 5)
    expected = source.replace("        total = node\n", "        seen.add(node)\n        total = node\n")
    assert expected in got


def test_slice_addition_on_a_name_only_summed() -> None:
    source = "def tail_sum(xs, k):\n    return sum(xs)\n"
    assert "def tail_sum(xs, k):\n    return sum(xs[k:])\n" in results(reshape.slice_addition, source, 2)


def test_other_bound_adds_the_missing_side_of_a_clamp() -> None:
    source = "def clamp(x, lo, hi):\n    return min(x, hi)\n"
    got = results(reshape.other_bound, source, 2)
    assert "def clamp(x, lo, hi):\n    return max(min(x, hi), lo)\n" in got
    assert all("max(min(x, hi), x)" not in g for g in got)


def test_integer_constant_flips_a_unit_step() -> None:
    assert "r = range(n, 0, -1)\n" in results(ops.integer_constant, "r = range(n, 0, 1)\n", 1)
