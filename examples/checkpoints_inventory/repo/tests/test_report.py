from inventory import report


def test_one_line_per_item_sorted():
    assert report({"pear": 1, "apple": 5}) == "apple: 5\npear: 1"
