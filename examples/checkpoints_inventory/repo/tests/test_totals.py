from inventory import totals


def test_sums_each_item():
    assert totals(["apple,3", "pear,1", "apple,2"]) == {"apple": 5, "pear": 1}
