from shapes import Rect

def test_square_area():
    assert Rect(4, 4).area() == 16

def test_thin_area():
    assert Rect(10, 1).area() == 10
