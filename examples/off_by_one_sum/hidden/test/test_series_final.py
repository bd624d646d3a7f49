from series import sum_first

def test_negative_values():
    assert sum_first([-1, -2, 10], 2) == -3

def test_whole_list():
    assert sum_first([2, 4, 6], 3) == 12
