from lists import middle

def test_odd_length():
    assert middle([1, 2, 3]) == 2

def test_even_length():
    assert middle([1, 2, 3, 4]) == 2

def test_five_items():
    assert middle([10, 20, 30, 40, 50]) == 30
