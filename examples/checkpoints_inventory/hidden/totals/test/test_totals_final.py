from inventory import totals


def test_corrections_subtract():
    assert totals(["apple,3", "apple,-3", "pear,1"]) == {"apple": 0, "pear": 1}


def test_empty():
    assert totals([]) == {}
