from lists import middle

def test_one_item():
    assert middle([7]) == 7

def test_two_items():
    assert middle([1, 2]) == 1
