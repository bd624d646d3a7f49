from bits import bit_count


def test_zero():
    assert bit_count(0) == 0


def test_seven():
    assert bit_count(7) == 3
