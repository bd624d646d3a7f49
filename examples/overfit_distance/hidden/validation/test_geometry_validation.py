from geometry import distance

def test_right_to_left():
    assert distance(5, 2) == 3
