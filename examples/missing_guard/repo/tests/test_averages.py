from averages import average

def test_empty():
    assert average([]) == 0.0

def test_two():
    assert average([2, 4]) == 3
