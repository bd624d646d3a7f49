from averages import average

def test_empty_tuple():
    assert average(()) == 0.0

def test_three():
    assert average([1, 2, 6]) == 3
