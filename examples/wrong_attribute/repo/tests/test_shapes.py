from shapes import Rect

def test_area():
    assert Rect(2, 3).area() == 6

def test_perimeter():
    assert Rect(2, 3).perimeter() == 10
