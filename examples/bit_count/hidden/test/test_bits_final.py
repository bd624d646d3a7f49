from bits import bit_count


def test_mixed():
    assert bit_count(0b101101) == 4


def test_one():
    assert bit_count(1) == 1
