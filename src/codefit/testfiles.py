"""Which files of a project are its tests: one rule for every part of codefit that asks.

A test module is named as pytest collects it by default (`test_*.py`, `*_test.py`) or lies in a
tests folder; `conftest.py` is test code too, though no test module: guards judge it apart (a
changed conftest changes how every test runs, not what one test checks).
"""

from __future__ import annotations

from pathlib import PurePosixPath

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
