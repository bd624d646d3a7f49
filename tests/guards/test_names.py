"""Names are resolved through import aliases and constant lookups, so renaming an import hides nothing."""

from __future__ import annotations

import ast

import pytest

from codefit.guards.names import Names, folded

RESOLVED = [
    ("import os as o\no._exit", "os._exit"),
    ("from os import _exit as leave\nleave", "os._exit"),
    ("import os\nbye = os._exit\nbye", "os._exit"),
    ("import os as o\nbye = o._exit\nalso = bye\nalso", "os._exit"),
    ('import os\ngetattr(os, "_ex" + "it")', "os._exit"),
    ('import importlib\nimportlib.import_module("_py" + "test.python").Function', "_pytest.python.Function"),
    ("from importlib import import_module as load\nload(f\"_pytest.{'runner'}\")", "_pytest.runner"),
    ('__import__("_pytest.python").python', "_pytest.python"),
    ('import sys\nsys.modules["_pytest.python"].Function', "_pytest.python.Function"),
    ("import pytest as pt\npt.Function.runtest", "pytest.Function.runtest"),
    ("from inspect import currentframe as here\nhere", "inspect.currentframe"),
    ("len", "len"),
]


@pytest.mark.parametrize(("source", "expected"), RESOLVED)
def test_last_expression_resolves_to_its_imported_name(source: str, expected: str) -> None:
    tree = ast.parse(source)
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    assert Names(tree).qualified(last.value) == expected


def test_locals_computed_at_run_time_are_not_aliases() -> None:
    tree = ast.parse("import os\nname = input()\nfn = getattr(os, name)\nfn\nresult = os.getcwd()\nresult")
    assert [Names(tree).qualified(n.value) for n in tree.body if isinstance(n, ast.Expr)] == ["fn", "result"]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('"a" + "b"', "ab"),
        ("f\"x{'y'}\"", "xy"),
        ('".".join(["a", "b"])', "a.b"),
        ('"a" + name', None),
        ("3", None),
    ],
)
def test_folded_reads_strings_built_from_constants_only(expression: str, value: str | None) -> None:
    assert folded(ast.parse(expression, mode="eval").body) == value
