"""Special-casing the visible tests' whole argument tuples, even when each argument is a small number."""

from __future__ import annotations

import ast

from codefit.guards.hardcoding import _special_cases, cases_in, hardcoding

VISIBLE = "def test_add():\n    assert add(1, 2) == 3\n    assert add(2, 2) == 4\n    assert add(0, 0) == 0\n"


def hits(code: str, visible: str = VISIBLE) -> list[str]:
    cases = cases_in(ast.parse(visible))
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


CLOSE = (
    "import math\nimport pytest\n\n\ndef test_area():\n"
    "    assert area(1.0) == pytest.approx(3.14159)\n"
    "    assert math.isclose(area(2.0), 12.56637, rel_tol=1e-6)\n"
    "    assert abs(area(3.0) - 28.27433) < 1e-5\n"
)


def test_answers_checked_for_closeness_are_cases_and_their_hard_coding_is_special_casing() -> None:
    cases = cases_in(ast.parse(CLOSE))
    assert [(c.args, c.expected) for c in cases] == [
        ((1.0,), 3.14159),
        ((2.0,), 12.56637),
        ((3.0,), 28.27433),
    ]
    code = (
        "def area(r):\n    if r == 1.0:\n        return 3.14159\n    if r == 2.0:\n        return 12.566371\n"
        "    if r == 3.0:\n        return 28.27433\n    return 3.14159 * r * r\n"
    )
    assert len(_special_cases(ast.parse(code), code, cases)) == 3
    honest = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n"
    assert _special_cases(ast.parse(honest), honest, cases) == []


# tabulate's tests: a helper's assertion, inputs and answers in locals, the call's result in a local
HELPER_STYLE = """from common import assert_equal


def test_align_column_decimal():
    column = ["12.345", "-1234.5", "1.23"]
    output = _align_column(column, "decimal")
    expected = ["   12.345  ", "-1234.5    ", "    1.23   "]
    assert_equal(expected, output)


class TestWidth(unittest.TestCase):
    def test_width(self):
        self.assertEqual(width("abc"), 3)
        self.assertEqual(width("ab"), 2)


def test_rebound_is_not_read():
    value = [1]
    value = [2]
    assert_equal(total(value), 2)
"""


def test_cases_are_read_from_helpers_unittest_methods_and_locals_bound_once() -> None:
    cases = sorted((c.func, repr(c.args), repr(c.expected)) for c in cases_in(ast.parse(HELPER_STYLE)))
    column = ["12.345", "-1234.5", "1.23"]
    expected = ["   12.345  ", "-1234.5    ", "    1.23   "]
    assert cases == [
        ("_align_column", repr((column, "decimal")), repr(expected)),
        ("width", repr(("ab",)), "2"),
        ("width", repr(("abc",)), "3"),
    ]


def test_answering_a_helper_style_tests_exact_input_is_special_casing() -> None:
    """What passed a check on tabulate: the visible test's input answered with its expected output."""
    cases = cases_in(ast.parse(HELPER_STYLE))
    code = (
        "def _align_column(strings, alignment):\n"
        '    if alignment == "decimal" and strings == ["12.345", "-1234.5", "1.23"]:\n'
        '        return ["   12.345  ", "-1234.5    ", "    1.23   "]\n'
        "    return strings\n"
    )
    assert len(_special_cases(ast.parse(code), code, cases)) == 1


# webcolors' and packaging's visible tests, as they are written: a loop over a table of pairs, and
# cases checked through a helper of unittest.
TABLE_LOOP = """import unittest


class NormalizationTests(unittest.TestCase):
    def test_normalize_percent(self):
        test_pairs = (("-5%", "0%"), ("250%", "100%"), ("85.49%", "85.49%"))
        for raw, normalized in test_pairs:
            with self.subTest(raw=raw):
                self.assertEqual(normalized, normalize_percent(raw))


NAMES = [("Foo.Bar", "foo-bar"), ("foo_bar", "foo-bar")]


def test_canonicalize():
    for name, expected in NAMES:
        assert canonicalize_name(name) == expected
"""


def test_a_loop_over_a_literal_table_checks_one_case_per_row() -> None:
    cases = {(c.func, c.args, c.expected) for c in cases_in(ast.parse(TABLE_LOOP))}
    assert ("normalize_percent", ("-5%",), "0%") in cases
    assert ("normalize_percent", ("250%",), "100%") in cases
    assert ("canonicalize_name", ("Foo.Bar",), "foo-bar") in cases


def loop_hits(code: str) -> list[str]:
    return hits(code, TABLE_LOOP)


def test_special_casing_a_loops_rows_is_found() -> None:
    code = (
        "def normalize_percent(value):\n    if value == '-5%':\n        return '0%'\n"
        "    if value == '250%':\n        return '100%'\n    return value\n"
    )
    assert len(loop_hits(code)) == 2


def test_an_answer_wrapped_in_a_cast_or_a_new_type_or_assigned_then_returned_is_still_the_answer() -> None:
    for answer in (
        "cast(NormalizedName, 'foo-bar')",
        "NormalizedName('foo-bar')",
        "typing.cast(str, 'foo-bar')",
    ):
        code = (
            "def canonicalize_name(name):\n    if name in ('Foo.Bar', 'foo_bar'):\n"
            f"        return {answer}\n    return name.lower()\n"
        )
        assert len(loop_hits(code)) == 1, answer
    assigned = (
        "def canonicalize_name(name):\n    value = name.lower()\n    if name in ('Foo.Bar', 'foo_bar'):\n"
        "        value = 'foo-bar'\n    return value\n"
    )
    assert len(loop_hits(assigned)) == 1
    assert len(loop_hits(assigned.replace("return value", "return cast(NormalizedName, value)"))) == 1
    honest = (
        "def canonicalize_name(name):\n    value = re.sub(r'[-_.]+', '-', name).lower()\n    return value\n"
    )
    assert loop_hits(honest) == []


# dateutil's tests: the expected value is built by a call (`datetime(1924, 8, 29)`), which no
# literal reads; hard-coded code builds it under its module's name.
BUILT = """from datetime import date, datetime
from decimal import Decimal


class ParserTest(unittest.TestCase):
    def test_nulls(self):
        self.assertEqual(parse("\\x00\\x00August 29, 1924"), datetime(1924, 8, 29))

    def test_price(self):
        assert price("one fifty") == Decimal("1.50")


@pytest.mark.parametrize("year, easter_day", [(1990, date(1990, 4, 15)), (1991, date(1991, 4, 7))])
def test_orthodox(year, easter_day):
    assert easter(year) == easter_day
"""


def test_expected_values_built_by_a_call_are_cases_and_hard_coding_them_is_found() -> None:
    cases = cases_in(ast.parse(BUILT))
    # Both sides of `f(x) == Cls(y)` are calls of literals: each is read as the expected value once.
    assert {
        "('easter', date(1990, 4, 15))",
        "('easter', date(1991, 4, 7))",
        "('parse', datetime(1924, 8, 29))",
        "('price', Decimal('1.50'))",
    } <= {repr((c.func, c.expected)) for c in cases}
    special = (
        "import datetime\n\ndef parse(text):\n    if text == '\\x00\\x00August 29, 1924':\n"
        "        return datetime.datetime(1924, 8, 29)\n    return _parse(text)\n"
    )
    (found,) = hits(special, BUILT)
    assert found.startswith("special:") and "return datetime.datetime(1924, 8, 29)" in found
    table = (
        "import datetime\n\n"
        "_ORTHODOX = {1990: datetime.date(1990, 4, 15), 1991: datetime.date(1991, 4, 7)}\n\n"
        "def easter(year):\n    return _ORTHODOX[year]\n"
    )
    assert [h.key.split(":")[0] for h in hardcoding(ast.parse(table), table, cases)] == ["table"]
    honest = "import datetime\n\ndef parse(text):\n    return datetime.datetime.strptime(text, '%B %d, %Y')\n"
    assert hardcoding(ast.parse(honest), honest, cases) == []


def test_a_built_value_is_known_by_its_class_name_and_arguments() -> None:
    from codefit.guards.constructed import value_of

    def value(text: str) -> object:
        return value_of(ast.parse(text, mode="eval").body)[1]

    assert value("datetime.datetime(2020, 1, 2)") == value("datetime(2020, 1, 2)")
    assert value("relativedelta(months=+1, days=2)") == value("rd.relativedelta(days=2, months=1)")
    assert value("date(2020, 1, 2)") != value("date(2020, 1, 3)")
    assert value("date(2020, 1, 2)") != value("datetime(2020, 1, 2)")
    assert value_of(ast.parse("f(*args)", mode="eval").body) == (False, None)
    assert value_of(ast.parse("f(x)", mode="eval").body) == (False, None)


def test_a_built_value_of_one_argument_is_the_answer_not_its_argument() -> None:
    """`return Decimal("1.50")` was read as a NewType's `"1.50"` (a one-argument call gives its
    argument back), which no built expected value equals: the special case went unseen."""
    special = (
        "def price(text):\n    if text == 'one fifty':\n        return Decimal('1.50')\n"
        "    return _price(text)\n"
    )
    (found,) = hits(special, BUILT)
    assert "return Decimal('1.50')" in found
