from shapes import Rect

def test_wide_area():
    assert Rect(7, 2).area() == 14
