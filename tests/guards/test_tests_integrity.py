"""A test's checks are its asserts and its assertion calls, whatever helper makes them."""

from __future__ import annotations

import ast

from codefit.guards import tests_integrity as integrity

BEFORE = """def test_wrap():
    result = wrap(["1 2 3"], 3)
    assert_equal(result, ["1 2", "3"])
    np.testing.assert_allclose(widths(result), [3, 1])
    self.assertIn("1", result)
"""


def strength(source: str) -> tuple[int, int]:
    return integrity.assertion_strength(integrity.test_functions(ast.parse(source))["test_wrap"])


def test_helper_assertions_are_counted_and_deleting_one_lowers_the_count() -> None:
    assert strength(BEFORE) == (3, 6)
    removed = BEFORE.replace('    assert_equal(result, ["1 2", "3"])\n', "")
    assert strength(removed) == (2, 4)
    replaced = BEFORE.replace('assert_equal(result, ["1 2", "3"])', "pass")
    assert strength(replaced) == (2, 4)


def test_a_skip_decorator_with_arguments_is_one_hit() -> None:
    """`@pytest.mark.skip(reason=...)` is a decorator and a call: one alert, not two."""
    source = "import pytest\n\n\n@pytest.mark.skip(reason='x')\ndef test_a():\n    pytest.skip('y')\n"
    hits = integrity.skip_marks(ast.parse(source), source)
    assert sorted((h.line, h.key) for h in hits) == [
        (4, "test_a:@pytest.mark.skip(reason='x')"),
        (6, "test_a:pytest.skip('y')"),
    ]


UNITTEST = """import unittest


class Base(unittest.TestCase):
    pass


class NormalizationTests(unittest.TestCase):
    def test_clip(self):
        self.assertEqual(clip("-5%"), "0%")


class MoreTests(Base):
    def test_more(self):
        assert clip("5%") == "5%"


class Helper:
    def test_not_collected(self):
        assert False
"""


def test_unittest_classes_count_whatever_their_name() -> None:
    """pytest collects every `unittest.TestCase` subclass (through a base of the module too), not
    only `Test*` classes: a skip or a deleted check there is as much a finding."""
    tree = ast.parse(UNITTEST)
    assert sorted(integrity.test_functions(tree)) == ["MoreTests.test_more", "NormalizationTests.test_clip"]
    skipped = UNITTEST.replace("    def test_clip", "    @unittest.skip('later')\n    def test_clip")
    hits = integrity.skip_marks(ast.parse(skipped), skipped)
    assert [h.key for h in hits] == ["NormalizationTests.test_clip:@unittest.skip('later')"]
