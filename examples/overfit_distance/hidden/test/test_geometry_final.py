from geometry import distance

def test_across_zero():
    assert distance(3, -3) == 6
