from inventory import report


def test_empty_report():
    assert report({}) == ""
