from lists import middle

def test_six_letters():
    assert middle(list("abcdef")) == "c"

def test_descending():
    assert middle([5, 4, 3, 2, 1, 0]) == 3
