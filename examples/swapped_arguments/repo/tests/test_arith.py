from arith import power

def test_two_cubed():
    assert power(2, 3) == 8

def test_three_squared():
    assert power(3, 2) == 9
