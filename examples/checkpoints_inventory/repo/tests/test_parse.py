from inventory import parse_line


def test_parses_name_and_quantity():
    assert parse_line("apple,3") == ("apple", 3)
