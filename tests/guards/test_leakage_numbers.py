"""The leakage guard reads a number as one token, as Python does (cachetools: every honest step was
rolled back because `1.0` split into `1` and `0` was never visible, so the visible tests' own output
`, 1.0 , 2.0 , 3.0` read as held-out content in the feedback)."""

from __future__ import annotations

from codefit.guards.leakage import fingerprints

HELDOUT = "def test_typed():\n    assert key(1.0, 2.0, 3.0) != key(1, 2, 3)\n"
VISIBLE = "def test_plain():\n    assert key(1, 2, 3) == key(1.0, 2.0, 3.0)\n"
FEEDBACK = "E   assert ('a', 1.0, 2.0, 3.0) == ('a', 1, 2, 3)\nE     At index 1 diff: 1.0 != 1"


def test_numbers_the_visible_tests_use_are_no_fingerprint() -> None:
    prints = fingerprints({"test_heldout.py": HELDOUT}, VISIBLE)
    assert prints.found_in(FEEDBACK) is None


def test_a_number_only_the_held_out_tests_use_still_is() -> None:
    leaked = "def test_typed():\n    assert key(7.25, 2.0, 3.0) != key(1, 2, 3)\n"
    prints = fingerprints({"test_heldout.py": leaked}, VISIBLE)
    assert prints.found_in("E   assert key(7.25, 2.0, 3.0) != key(1, 2, 3)") is not None
