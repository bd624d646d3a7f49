"""A comparison is always-equal when its answer cannot change with what it is compared to."""

from __future__ import annotations

import ast

import pytest

from codefit.guards.equality import depends_on_argument

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
