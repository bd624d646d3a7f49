from inventory import report


def test_leaves_out_zero_totals():
    assert report({"apple": 0, "pear": 2}) == "pear: 2"
