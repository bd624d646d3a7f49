from inventory import parse_line


def test_negative_quantity():
    assert parse_line("pear, -2") == ("pear", -2)
