from inventory import parse_line


def test_ignores_whitespace():
    assert parse_line(" apple , 3 ") == ("apple", 3)


def test_keeps_inner_spaces():
    assert parse_line("green apple,4") == ("green apple", 4)
