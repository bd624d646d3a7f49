"""One rule for which files are tests, the one every part of codefit asks (guards, mining, search, check)."""

from __future__ import annotations

import pytest

from codefit.testfiles import is_test_code, is_test_file


@pytest.mark.parametrize(
    ("rel", "module", "code"),
    [
        ("test_area.py", True, True),
        ("pkg/area_test.py", True, True),
        ("tests/helpers.py", True, True),  # a helper in a tests folder is the tests' own code
        ("src/pkg/test/fixtures.py", True, True),
        ("testing/util.py", True, True),
        ("conftest.py", False, True),  # test code, judged apart: it changes how every test runs
        ("tests/conftest.py", False, True),
        ("pkg/area.py", False, False),
        ("pkg/testimony.py", False, False),  # a name starting "test" but not "test_"
        ("mytests/area.py", False, False),  # a folder whose name only ends in "tests"
        ("pkg/tests.py", False, False),  # a module named tests is not a tests folder
        ("tests/data.json", False, False),  # not Python
        ("tests/test_area.txt", False, False),
    ],
)
def test_which_files_are_tests(rel: str, module: bool, code: bool) -> None:
    assert is_test_file(rel) is module
    assert is_test_code(rel) is code
