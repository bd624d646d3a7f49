from percent import percent


def test_half():
    assert percent(1, 2) == 50


def test_a_third_is_rounded():
    assert percent(1, 3) == 33


def test_nothing_of_something():
    assert percent(0, 5) == 0


def test_something_of_nothing_is_zero():
    assert percent(3, 0) == 0
