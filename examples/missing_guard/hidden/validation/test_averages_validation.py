from averages import average

def test_none():
    assert average(None) == 0.0

def test_single():
    assert average([5]) == 5
