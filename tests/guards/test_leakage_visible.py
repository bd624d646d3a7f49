"""What the visible tree already shows is no fingerprint of the held-out tests: a name shown as a
whole word (names are found as whole words), a literal shown anywhere in its text. The words of the
visible text are searched before the text itself (a fast path that must not change the answer)."""

from __future__ import annotations

from codefit.guards.leakage import fingerprints

HELDOUT = """
def test_capitalize_unicode():
    assert capitalize("élan vital") == "Élan vital"
    assert render("{{ greeting }} world") == "hello world"
    assert parse("2024-01-31T10:00") == 1706695200


def test_rendering_with_filters():
    assert apply("double-dash--case") == "Double-Dash--Case"
"""


def test_a_literal_shown_anywhere_in_the_visible_text_is_no_fingerprint() -> None:
    visible = 'EXAMPLES = ["hello world", "the élan vital of it", "x1706695200y"]\n'
    prints = fingerprints({"tests/test_held.py": HELDOUT}, visible)
    assert {"hello world", "élan vital", "1706695200"}.isdisjoint(prints.literals)
    assert {"Élan vital", "2024-01-31T10:00", "double-dash--case", "Double-Dash--Case"} <= prints.literals


def test_a_name_counts_as_shown_only_as_a_whole_word() -> None:
    visible = (
        "def test_capitalize_unicode_more():\n    pass\n\n\ndef test_rendering_with_filters():\n    pass\n"
    )
    prints = fingerprints({"tests/test_held.py": HELDOUT}, visible)
    assert prints.names == {"test_capitalize_unicode"}
    assert prints.found_in("x = test_capitalize_unicode") == "test_capitalize_unicode"
    assert prints.found_in("test_capitalize_unicode_more()") is None


def test_the_fast_path_answers_as_a_search_of_the_whole_text() -> None:
    visible = "".join(f"word{i} " for i in range(3000)) + "'double-dash--case'"
    prints = fingerprints({"tests/test_held.py": HELDOUT}, visible)
    assert "double-dash--case" not in prints.literals  # each of its words is shown, and so is it
    assert "Double-Dash--Case" in prints.literals  # its words are not
