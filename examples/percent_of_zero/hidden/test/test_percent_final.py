from percent import percent


def test_all_of_it():
    assert percent(7, 7) == 100


def test_more_of_nothing_is_zero():
    assert percent(5, 0) == 0
