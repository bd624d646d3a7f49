from checks import all_positive

def test_all():
    assert all_positive([1, 2, 3])

def test_one_negative():
    assert not all_positive([1, -2, 3])
