from checks import all_positive

def test_empty():
    assert all_positive([])

def test_zero_is_not_positive():
    assert not all_positive([0, 1])
