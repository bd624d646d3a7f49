from geometry import distance

def test_left_to_right():
    assert distance(2, 5) == 3

def test_same_point():
    assert distance(4, 4) == 0
