from ranges import in_range


def test_single_point_range():
    assert in_range(3, 3, 3)


def test_below():
    assert not in_range(0, 1, 10)
