from codefit.optimizers.search.patch import (
    Edit,
    Patch,
    apply,
    changed_tokens,
    copied_literals,
    identity_operations,
    unified_diff,
)


def edit(start: int, end: int, text: str) -> Edit:
    return Edit(path="m.py", start=start, end=end, text=text, line=1, op="test", description="")


def test_apply_combines_non_overlapping_edits() -> None:
    source = {"m.py": "a - b < c\n"}
    patch = Patch(edits=(edit(2, 3, "+"), edit(6, 7, "<=")))
    assert apply(patch, source) == {"m.py": "a + b <= c\n"}
    assert not patch.compatible(edit(2, 3, "*"))
    assert "+a + b <= c" in unified_diff(source, apply(patch, source))


def test_changed_tokens_ignores_layout() -> None:
    assert changed_tokens({"m.py": "x = a - b\n"}, {"m.py": "x = a + b\n"}) == 2
    assert changed_tokens({"m.py": "x = a-b\n"}, {"m.py": "x = a - b  # same\n"}) == 0


def test_copied_literals_flags_literals_only_the_tests_contain() -> None:
    patch = Patch(edits=(edit(4, 5, "212"),))
    assert copied_literals(patch, {"m.py": "y = 5\n"}, ["assert f(100) == 212\n"]) == ["212"]
    assert copied_literals(patch, {"m.py": "y = 212\n"}, ["assert f(100) == 212\n"]) == []


def test_identity_operations() -> None:
    assert identity_operations("y = x * 1 + (z + 0)\n") == 2
    assert identity_operations("y = x + 1 - 1\n") == 1
    assert identity_operations("y = x * 2\n") == 0
