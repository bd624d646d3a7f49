from series import sum_first

def test_one():
    assert sum_first([7, 8, 9], 1) == 7

def test_three_of_five():
    assert sum_first([1, 2, 3, 4, 5], 3) == 6
