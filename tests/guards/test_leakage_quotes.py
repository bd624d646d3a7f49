"""The leakage guard's view of what is visible survives prose: an apostrophe in a comment or docstring ("the
cache's items") paired with the next quote far below once swallowed every name and number between
them, so the visible tests' `1.0, 2.0, 3.0` read as held-out content and every honest cachetools
step was rolled back as heldout_in_feedback."""

from __future__ import annotations

from codefit.guards.leakage import fingerprints

HELDOUT = "def test_typed():\n    assert key('y', 1.0, 2.0, 3.0) != key('x', 1, 2, 3)\n"
VISIBLE = (
    "def ttl(self):\n    return self.__ttl  # the cache's time to live\n\n"
    "def test_plain():\n    assert key(1, 2, 3) == key(1.0, 2.0, 3.0)\n"
    "    assert key('y') == key('x')\n"
    "x = 'done'\n"
)
FEEDBACK = "E   assert (1.0, 2.0, 3.0) == (1, 2, 3)"


def test_numbers_after_an_apostrophe_in_prose_are_still_visible() -> None:
    prints = fingerprints({"test_heldout.py": HELDOUT}, VISIBLE)
    assert prints.found_in(FEEDBACK) is None


def test_held_out_numbers_after_an_apostrophe_still_fingerprint() -> None:
    prints = fingerprints({"test_heldout.py": HELDOUT.replace("3.0", "3.75")}, VISIBLE)
    assert prints.found_in("E   assert key('y', 1.0, 2.0, 3.75) != key('x', 1, 2, 3)") is not None
