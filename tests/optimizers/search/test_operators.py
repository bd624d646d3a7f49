import ast
from collections.abc import Callable, Iterator

from codefit.optimizers.search import operators as ops
from codefit.optimizers.search import statements
from codefit.optimizers.search.patch import Edit, Patch, apply
from codefit.optimizers.search.source import SourceFile

Operator = Callable[[SourceFile, ast.AST], Iterator[Edit]]


def results(operator: Operator, source: str, line: int) -> set[str]:
    """Every version of the source the operator proposes for the nodes on one line."""
    src = SourceFile("m.py", source)
    out = set()
    for node in src.nodes_on({line}):
        for edit in operator(src, node):
            new = apply(Patch(edits=(edit,)), {"m.py": source})["m.py"]
            ast.parse(new)  # every proposal must still be Python
            out.add(new)
    return out


def test_binary_operator_replaces_only_the_symbol() -> None:
    got = results(ops.binary_operator, "y = (a - b) * c\n", 1)
    assert "y = (a + b) * c\n" in got
    assert "y = (a - b) // c\n" in got


def test_comparison_boolean_and_identity_operators() -> None:
    assert "ok = x >= 18\n" in results(ops.comparison_operator, "ok = x > 18\n", 1)
    assert "ok = x is not None\n" in results(ops.comparison_operator, "ok = x is None\n", 1)
    assert "ok = x not in xs\n" in results(ops.comparison_operator, "ok = x in xs\n", 1)
    assert results(ops.boolean_operator, "ok = a or b\n", 1) == {"ok = a and b\n"}


def test_augmented_assignment() -> None:
    got = results(ops.augmented_assignment, "total += x\n", 1)
    assert got >= {"total -= x\n", "total = x\n"}


def test_operand_and_argument_swap() -> None:
    assert results(ops.operand_swap, "d = a - b\n", 1) == {"d = b - a\n"}
    assert results(ops.argument_swap, "p = pow(e, b)\n", 1) == {"p = pow(b, e)\n"}


def test_off_by_one_on_index_slice_and_range() -> None:
    assert "v = xs[i + 1]\n" in results(ops.off_by_one, "v = xs[i]\n", 1)
    assert "v = xs[lo:hi - 1]\n" in results(ops.off_by_one, "v = xs[lo:hi]\n", 1)
    assert "r = range(n + 1)\n" in results(ops.off_by_one, "r = range(n)\n", 1)
    assert results(ops.integer_constant, "k = 5\n", 1) == {"k = 4\n", "k = 6\n", "k = 0\n", "k = 1\n"}


def test_constant_replacement() -> None:
    assert results(ops.constant_replacement, "f = True\n", 1) == {"f = False\n"}
    assert results(ops.constant_replacement, "x = []\n", 1) == {"x = [[]]\n"}
    assert "x = []\n" in results(ops.constant_replacement, "x = [[]]\n", 1)


def test_name_replacement_uses_names_in_scope_only() -> None:
    source = "G = 1\n\ndef f(a, b):\n    c = a\n    return a\n"
    got = results(ops.name_replacement, source, 5)
    assert got == {source.replace("return a", "return b"), source.replace("return a", "return c")}


def test_attribute_replacement() -> None:
    source = "def area(r):\n    return r.width * r.width + r.height\n"
    assert "def area(r):\n    return r.width * r.height + r.height\n" in results(
        ops.attribute_replacement, source, 2
    )


def test_call_replacement_wrapping_and_unwrapping() -> None:
    assert "v = all(x > 0 for x in xs)\n" in results(ops.call_replacement, "v = any(x > 0 for x in xs)\n", 1)
    assert "v = min(a, b)\n" in results(ops.call_replacement, "v = max(a, b)\n", 1)
    assert "v = x\n" in results(ops.call_replacement, "v = abs(x)\n", 1)
    assert "def f(a, b):\n    return abs(a - b)\n" in results(
        ops.call_wrapping, "def f(a, b):\n    return a - b\n", 2
    )
    assert "v = n\n" in results(ops.operand_unwrap, "v = n - 1\n", 1)


def test_condition_guard_and_negation() -> None:
    source = "def f(xs):\n    if xs is None:\n        return 0\n    return 1\n"
    got = results(ops.condition_guard, source, 2)
    assert source.replace("if xs is None:", "if not xs or xs is None:") in got
    assert results(ops.negation, "if a:\n    pass\n", 1) == {"if not a:\n    pass\n"}
    assert results(ops.negation, "if not a:\n    pass\n", 1) == {"if a:\n    pass\n"}


def test_statement_deletion_removes_the_line_or_leaves_pass() -> None:
    source = "def f(c):\n    c[1] = 2\n    c[1] = 1\n    return c\n"
    assert results(statements.statement_deletion, source, 3) == {"def f(c):\n    c[1] = 2\n    return c\n"}
    lone = "if a:\n    b = 1\n"
    assert results(statements.statement_deletion, lone, 2) == {"if a:\n    pass\n"}


def test_statement_insertion_copies_an_ingredient_of_the_same_function() -> None:
    source = (
        "def f(rows):\n    total = 0\n    for row in rows:\n        for x in row:\n            total += x\n"
    )
    got = results(statements.statement_insertion, source, 4)
    assert source.replace("        for x", "        total = 0\n        for x") in got
