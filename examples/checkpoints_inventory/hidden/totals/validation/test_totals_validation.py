from inventory import totals


def test_skips_blank_and_comment_lines():
    assert totals(["# stock", "", "apple,1", "apple,1"]) == {"apple": 2}
