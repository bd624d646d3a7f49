from arith import power

def test_two_to_the_ten():
    assert power(2, 10) == 1024
