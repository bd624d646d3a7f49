from series import sum_first

def test_first_two():
    assert sum_first([1, 2, 3], 2) == 3

def test_none():
    assert sum_first([4, 5], 0) == 0

def test_all():
    assert sum_first([1, 1, 1, 1], 4) == 4
