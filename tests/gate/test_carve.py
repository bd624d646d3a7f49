import ast
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.gate.carve import CarveError, carve_cases, carve_tests

CONSTANT_MODULE = """import pytest

CASES = (
    (1, 2),
    (2, 3),
    (3, 4),
    (4, 5),
)


def helper(x):
    return x + 1


@pytest.mark.parametrize(("x", "y"), CASES)
def test_inc(x, y):
    assert helper(x) == y


def test_other():
    assert helper(0) == 1
"""

INLINE_MODULE = """import pytest


@pytest.mark.parametrize(
    "x, y",
    [
        (1, 1),
        (2, 4),  # a comment
        (3, 9),
    ],
)
def test_square(x, y):
    assert x * x == y


def test_zero():
    assert 0 * 0 == 0
"""

CLASS_MODULE = """import unittest


class Base(unittest.TestCase):
    def check(self, a, b):
        self.assertEqual(a, b)


class AddTests(Base):
    def setUp(self):
        self.n = 1

    def test_one(self):
        self.check(self.n, 1)

    def test_two(self):
        self.check(self.n + 1, 2)


def test_plain():
    assert True
"""


def run_ids(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(
        line.split()[1].split("::", 1)[1] for line in proc.stdout.splitlines() if line.startswith("PASSED")
    )


def test_constant_cases_split_between_the_halves_and_run_the_original_cases(tmp_path: Path) -> None:
    visible, held = carve_cases(CONSTANT_MODULE, "CASES", [1, 3])
    ast.parse(visible), ast.parse(held)
    before = run_ids(tmp_path, {"test_m.py": CONSTANT_MODULE})
    assert len(before) == 5
    after_visible = run_ids(tmp_path, {"test_m.py": visible})
    after_held = run_ids(tmp_path, {"test_m.py": held})
    assert len(after_visible) == 3 and "test_other" in after_visible
    assert len(after_held) == 2 and "test_other" not in after_held
    assert "(2, 3)" in held and "(4, 5)" in held and "(2, 3)" not in visible


def test_inline_cases_keep_comments_out_of_the_other_half(tmp_path: Path) -> None:
    visible, held = carve_cases(INLINE_MODULE, "test_square", [1])
    assert "(2, 4)" in held and "(2, 4)" not in visible
    assert "test_zero" in visible and "test_zero" not in held
    assert len(run_ids(tmp_path, {"test_m.py": held})) == 1


def test_class_methods_move_and_base_classes_stay_shared(tmp_path: Path) -> None:
    visible, held = carve_tests(CLASS_MODULE, ["AddTests.test_two"])
    assert "class Base" in visible and "class Base" in held
    assert run_ids(tmp_path, {"test_m.py": held}) == ["AddTests::test_two"]
    assert run_ids(tmp_path, {"test_m.py": visible}) == ["AddTests::test_one", "test_plain"]


def test_a_class_emptied_of_tests_stays_valid(tmp_path: Path) -> None:
    visible, held = carve_tests(CLASS_MODULE, ["AddTests.test_one", "AddTests.test_two"])
    assert run_ids(tmp_path, {"test_m.py": visible}) == ["test_plain"]
    assert len(run_ids(tmp_path, {"test_m.py": held})) == 2


def test_unknown_targets_are_named() -> None:
    with pytest.raises(CarveError, match="no such test: test_nope"):
        carve_tests(CLASS_MODULE, ["test_nope"])
    with pytest.raises(CarveError, match="has 4 cases"):
        carve_cases(CONSTANT_MODULE, "CASES", [7])


HELPER_CLASS_MODULE = """import collections
import unittest


class _Multiset(collections.Counter):
    def frozen(self):
        return tuple(sorted(self.items()))


class CountTests(unittest.TestCase):
    def test_one(self):
        self.assertEqual(_Multiset("aab").frozen(), (("a", 2), ("b", 1)))

    def test_two(self):
        self.assertEqual(_Multiset("").frozen(), ())
"""


def test_a_helper_class_with_a_foreign_base_stays_in_both_halves(tmp_path: Path) -> None:
    visible, held = carve_tests(HELPER_CLASS_MODULE, ["CountTests.test_two"])
    assert "class _Multiset" in visible and "class _Multiset" in held
    assert run_ids(tmp_path, {"test_m.py": visible}) == ["CountTests::test_one"]
    assert run_ids(tmp_path, {"test_m.py": held}) == ["CountTests::test_two"]


CALLING_MODULE = """def test_valid(check=lambda x: x > 0, strict=True):
    assert check(1)
    assert not check(-1) or not strict


def test_loose():
    test_valid(check=lambda x: x >= 0, strict=False)


def test_alone():
    assert 1 + 1 == 2
"""


def test_a_test_that_calls_another_moves_with_it(tmp_path: Path) -> None:
    from codefit.gate.units import module_units

    units = module_units(CALLING_MODULE)
    assert [u.label for u in units] == ["test_valid|test_loose", "test_alone"]
    visible, held = carve_tests(CALLING_MODULE, units[0].tests)
    assert run_ids(tmp_path, {"test_m.py": held}) == ["test_loose", "test_valid"]  # and they pass
    assert run_ids(tmp_path, {"test_m.py": visible}) == ["test_alone"]


SPACED = """import pytest


def test_a():
    assert 1


def test_b():
    assert 2


class TestK:
    def test_c(self):
        assert 3

    def test_d(self):
        assert 4


@pytest.mark.parametrize(
    "x",
    [
        1,
        2,
        3,
    ],
)
def test_e(x):
    assert x


def test_f():
    assert 5
"""


def test_carved_halves_keep_the_modules_spacing_and_indentation() -> None:
    """No run of blank lines where a test was taken out, none at the end, rows indented as they
    were: a project's lint (pycodestyle's E303, W391) passes on both halves as on the original."""
    visible, held = carve_tests(SPACED, ["test_b", "TestK.test_d", "test_f"])
    for half in (visible, held):
        assert "\n\n\n\n" not in half and not half.endswith("\n\n"), half
        assert "\n\n\n    def" not in half, half  # at most one blank line between methods
    assert "def test_a():\n    assert 1\n\n\nclass TestK:" in visible
    visible, held = carve_cases(SPACED, "test_e", [1])
    assert "    [\n        1,\n        3,\n    ],\n)" in visible, visible
    assert "    [\n        2,\n    ],\n)" in held, held


COMMENTED = """import pytest


@pytest.mark.parametrize(
    "x",
    [
        # small ones
        1,  # the first
        2,
        # large ones
        30,
        40,  # the last
    ],
)
def test_x(x):
    assert x
"""


def test_a_carved_tables_rows_keep_their_comments() -> None:
    visible, held = carve_cases(COMMENTED, "test_x", [1, 2])
    assert (
        "    [\n        # small ones\n        1,  # the first\n        40,  # the last\n    ],\n" in visible
    ), visible
    assert "    [\n        2,\n        # large ones\n        30,\n    ],\n" in held, held
