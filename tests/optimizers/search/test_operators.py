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


def test_boolean_operator_replaces_each_operator_of_a_chain_alone() -> None:
    got = results(ops.boolean_operator, "ok = a and b and c\n", 1)
    assert got == {"ok = a or b and c\n", "ok = a and b or c\n"}


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


def test_name_replacement_uses_the_functions_names_and_global_replacement_the_modules() -> None:
    source = "G = 1\n\ndef g(z):\n    return z\n\ndef f(a, b):\n    c = a\n    return a\n"
    got = results(ops.name_replacement, source, 8)
    assert got == {source.replace("return a", f"return {n}") for n in ("b", "c")}
    assert results(ops.global_name_replacement, source, 8) == {source.replace("return a", "return G")}


def test_name_replacement_at_module_level_ignores_the_locals_of_functions() -> None:
    source = "def g(z):\n    local = z\n    return local\n\nA = 1\nB = A\n"
    assert results(ops.name_replacement, source, 6) == {
        "def g(z):\n    local = z\n    return local\n\nA = 1\nB = B\n"
    }


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


def test_integer_expression_shifts_numbers_read_in_place_and_parenthesises_operands() -> None:
    source = "def mean(xs):\n    total = sum(xs)\n    return total / len(xs)\n"
    got = results(ops.integer_expression, source, 3)
    assert got == {
        source.replace("total / len(xs)", new)
        for new in (
            "total / len(xs) + 1",
            "total / len(xs) - 1",
            "(total + 1) / len(xs)",
            "(total - 1) / len(xs)",
            "total / (len(xs) + 1)",
            "total / (len(xs) - 1)",
        )
    }


def test_integer_expression_on_an_assigned_length() -> None:
    source = "def last(xs):\n    i = len(xs)\n    return xs[i]\n"
    got = results(ops.integer_expression, source, 2)
    assert got == {source.replace("len(xs)", "len(xs) + 1"), source.replace("len(xs)", "len(xs) - 1")}


def test_integer_expression_leaves_non_numbers_and_constant_offsets_alone() -> None:
    assert results(ops.integer_expression, "def f(name):\n    return name\n", 2) == set()
    assert results(ops.integer_expression, "def f(n):\n    return n - 1\n", 2) == set()
    assert results(ops.integer_expression, "def f(n):\n    n = 3\n", 2) == set()


def test_clamp_wrapping_bounds_a_number_by_zero_or_another_number_in_scope() -> None:
    source = "def free(capacity, bookings):\n    booked = sum(bookings)\n    return capacity - booked\n"
    got = results(ops.clamp_wrapping, source, 3)
    assert got == {
        source.replace("capacity - booked", new)
        for new in (
            "max(capacity - booked, 0)",
            "max(capacity, 0) - booked",
            "min(capacity, booked) - booked",
            "max(capacity, booked) - booked",
            "capacity - max(booked, 0)",
            "capacity - min(booked, capacity)",
            "capacity - max(booked, capacity)",
        )
    }


def test_clamp_wrapping_skips_values_of_unknown_type_and_existing_clamps() -> None:
    assert results(ops.clamp_wrapping, "def f(a, b):\n    return a - b\n", 2) == set()
    assert results(ops.clamp_wrapping, "def f(xs):\n    return max(len(xs), 1)\n", 2) == set()


def test_call_wrapping_wraps_a_binary_operand_in_a_numeric_call() -> None:
    source = "def f(a, b):\n    return a - b\n"
    got = results(ops.call_wrapping, source, 2)
    whole = {f"{w}(a - b)" for w in ("abs", "len", "sorted", "int")}
    operands = {f"{w}(a) - b" for w in ("abs", "len", "int")} | {f"a - {w}(b)" for w in ("abs", "len", "int")}
    assert got == {source.replace("a - b", new) for new in whole | operands}


def test_statement_insertion_copies_an_ingredient_from_another_function_when_its_names_are_visible() -> None:
    source = (
        "def count(text, word):\n    word = word.lower()\n    return text.count(word)\n\n\n"
        "def shout(line):\n    loud = line.upper()\n    loud = loud + '!'\n    return loud\n\n\n"
        "def has(text, word):\n    return word in text\n"
    )
    got = results(statements.statement_insertion, source, 13)
    before = "    return word in text\n"
    assert got == {
        source.replace(before, "    word = word.lower()\n" + before),
        source.replace(before, "    return text.count(word)\n" + before),
    }


def test_statement_insertion_at_module_level_copies_module_statements() -> None:
    source = "total = 0\nitems = [1, 2]\ntotal = sum(items)\n"
    got = results(statements.statement_insertion, source, 3)
    assert got == {
        "total = 0\nitems = [1, 2]\ntotal = 0\ntotal = sum(items)\n",
        "total = 0\nitems = [1, 2]\nitems = [1, 2]\ntotal = sum(items)\n",
    }
