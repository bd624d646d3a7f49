from ranges import in_range


def test_upper_end():
    assert in_range(10, 1, 10)
