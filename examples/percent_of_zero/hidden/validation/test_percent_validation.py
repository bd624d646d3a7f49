from percent import percent


def test_a_quarter():
    assert percent(2, 8) == 25


def test_nothing_of_nothing_is_zero():
    assert percent(0, 0) == 0
