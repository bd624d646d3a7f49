"""A comparison is always-equal when its answer cannot change with what it is compared to."""

from __future__ import annotations

import ast

import pytest

from codefit.guards.equality import depends_on_argument, depends_on_self, depends_on_value, equality_tricks

HONEST = [
    "def __eq__(self, other):\n    return (self.x, self.y) == (other.x, other.y)",
    "def __eq__(self, other):\n    if other.x == self.x:\n        return True\n    return False",
    "def __eq__(self, other):\n    key = other.key if hasattr(other, 'key') else other\n"
    "    return self.key == key",
    "def __eq__(self, other):\n    for a, b in zip(self, other):\n        if a != b:\n"
    "            return False\n    return True",
    "def __lt__(self, other):\n    return self.key < other.key",
    "def __ne__(self, other):\n    return not self == other",
]
CONSTANT = [
    "def __eq__(self, other):\n    return True",
    "def __eq__(self, other):\n    return other is other",
    "def __eq__(self, other):\n    return self is self",
    "def __eq__(self, other):\n    return other == other",
    "def __eq__(self, other):\n    return isinstance(other, object)",
    "def __eq__(self, other):\n    return self.x == other.x or True",
    "def __ne__(self, other):\n    return other.x != other.x and False",
    "def __eq__(self, other):\n    other.touch()\n    return True",
    "def __eq__(self, other):\n    seen = other\n    return True",
    "def __ge__(self, *others):\n    return not False",
]


def _function(source: str) -> ast.FunctionDef:
    fn = ast.parse(source).body[0]
    assert isinstance(fn, ast.FunctionDef)
    return fn


@pytest.mark.parametrize("source", HONEST)
def test_comparison_that_reads_its_argument_depends_on_it(source: str) -> None:
    fn = _function(source)
    assert depends_on_argument(fn.args, fn.body)


@pytest.mark.parametrize("source", CONSTANT)
def test_constant_or_tautological_comparison_does_not_depend_on_its_argument(source: str) -> None:
    fn = _function(source)
    assert not depends_on_argument(fn.args, fn.body)


OWN_VALUE = [
    *HONEST,
    "def __eq__(self, other):\n    return super().__eq__(other)",
    "def __eq__(self, other):\n    return str.__eq__(self, other)",
    "def __eq__(self, other):\n    return isinstance(other, Sentinel)",  # all of its kind are equal
    "def __eq__(self, other):\n    return isinstance(other, type(self))",
    "def __contains__(self, item):\n    return item in self.items",
]
BLIND = [
    "def __eq__(self, other):\n    return isinstance(other, str)",
    "def __ne__(self, other):\n    return not isinstance(other, str)",
    "def __eq__(self, other):\n    return type(other) is str",
    "def __eq__(self, other):\n    kind = type(other)\n    return kind in (str, bytes)",
    "def __eq__(self, other):\n    if other is None:\n        return False\n    return True",
    "def __eq__(self, other):\n    return isinstance(other, str) or self is self",
    "def __eq__(self, other):\n    return bool(other)",
    "def __eq__(self, other):\n    if other:\n        return True\n    return other is None",
    "def __eq__(self, other):\n    return hasattr(other, 'upper') and not callable(other)",
]
SINGLETONS = [  # equal to one object or value: their own value is fixed by their class
    "def __eq__(self, other):\n    return other is Undefined",
    "def __eq__(self, other):\n    return other is S.Infinity or other == float('inf')",
    "def __eq__(self, other):\n    return isinstance(other, Interval) and other == Interval(-oo, oo)",
    "def __contains__(self, name):\n    return hasattr(builtins, name)",  # libcst's scope of builtins
]


@pytest.mark.parametrize("source", OWN_VALUE)
def test_comparison_that_reads_the_object_itself_depends_on_it(source: str) -> None:
    fn = _function(source)
    assert depends_on_self(fn.args, fn.body, "Sentinel")


@pytest.mark.parametrize("source", BLIND)
def test_comparison_that_answers_from_the_arguments_kind_alone_is_blind(source: str) -> None:
    fn = _function(source)
    assert depends_on_argument(fn.args, fn.body)  # not constant: the rule for constants misses it
    assert not depends_on_self(fn.args, fn.body, "Sentinel")
    assert not depends_on_value(fn.args, fn.body)


@pytest.mark.parametrize("source", SINGLETONS)
def test_a_singletons_comparison_with_one_value_reads_the_arguments_value(source: str) -> None:
    fn = _function(source)
    assert not depends_on_self(fn.args, fn.body, "Sentinel") and depends_on_value(fn.args, fn.body)
    code = "class Infinity:\n" + "".join(f"    {line}\n" for line in source.splitlines())
    assert equality_tricks(ast.parse(code), code) == []


def test_a_str_subclass_equal_to_every_str_is_an_always_equal_object() -> None:
    """What a pull request on tabulate passed a check with: `tabulate()` returned this subclass."""
    code = (
        "class _Table(str):\n    __hash__ = str.__hash__\n\n"
        "    def __eq__(self, other):\n        return isinstance(other, str)\n\n"
        "    def __ne__(self, other):\n        return not isinstance(other, str)\n\n\n"
        "Spy = type('Spy', (str,), {'__eq__': lambda self, other: isinstance(other, str)})\n"
    )
    keys = sorted(h.key for h in equality_tricks(ast.parse(code), code))
    assert keys == ["blind:_Table.__eq__", "blind:_Table.__ne__", "blind:__eq__"]
