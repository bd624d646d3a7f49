"""Which files of a project are its tests, and which functions in them: one rule for every part of
codefit that asks.

A test module is named as pytest collects it by default (`test_*.py`, `*_test.py`) or lies in a
tests folder; `conftest.py` is test code too, though no test module: guards judge it apart (a
changed conftest changes how every test runs, not what one test checks). A test function is named
`test*` and is no fixture: pytest collects no fixture, whatever its name.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import TypeGuard

TEST_DIRS = ("tests", "test", "testing")  # in the order `codefit init` looks for them


def is_test_file(rel: str) -> bool:
    """Whether the Python file at `rel` (relative to the project's root) is a test module."""
    path = PurePosixPath(rel)
    if path.suffix != ".py" or path.name == "conftest.py":
        return False
    return path.name.startswith("test_") or path.stem.endswith("_test") or in_test_dir(rel)


def is_test_code(rel: str) -> bool:
    """Whether the Python file at `rel` belongs to the tests, not to the code under test."""
    return is_test_file(rel) or PurePosixPath(rel).name == "conftest.py"


def in_test_dir(rel: str) -> bool:
    """Whether a folder above `rel` is a tests folder."""
    return any(part in TEST_DIRS for part in PurePosixPath(rel).parts[:-1])


def is_test_function(node: ast.AST) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Whether pytest collects the definition (in a module, or in a test class) as a test: named
    `test*` and not a fixture. jinja2's tests ask for a fixture `test_env_async`: renamed, carved out
    or counted as a test, it would break or miscount the tests that use it."""
    return (
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test")
        and not any(_fixture(decorator) for decorator in node.decorator_list)
    )


def _fixture(decorator: ast.expr) -> bool:
    """`@pytest.fixture`, `@fixture(scope=...)`, `@pytest_asyncio.fixture`, `@pytest.yield_fixture`."""
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("fixture", "yield_fixture")


def is_test_class(cls: ast.ClassDef, tree: ast.Module) -> bool:
    """Whether pytest collects the class of `tree`'s top level: named `Test*`, or a `unittest`
    TestCase subclass, directly or through a base class of the module, whatever its name."""
    local = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    return _collected(cls, local, set())


def _collected(cls: ast.ClassDef, local: dict[str, ast.ClassDef], seen: set[str]) -> bool:
    if cls.name.startswith("Test"):
        return True
    seen.add(cls.name)  # `class A(B)` and `class B(A)` in one module: no loop
    for base in cls.bases:
        name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
        if name.endswith("TestCase") or (
            name in local and name not in seen and _collected(local[name], local, seen)
        ):
            return True
    return False
