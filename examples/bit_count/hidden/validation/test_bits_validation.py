from bits import bit_count


def test_power_of_two():
    assert bit_count(1024) == 1


def test_byte():
    assert bit_count(255) == 8
