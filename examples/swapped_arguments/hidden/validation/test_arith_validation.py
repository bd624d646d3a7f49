from arith import power

def test_ten_to_the_zero():
    assert power(10, 0) == 1

def test_five_squared():
    assert power(5, 2) == 25
