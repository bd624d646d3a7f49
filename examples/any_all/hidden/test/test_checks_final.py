from checks import all_positive

def test_all_negative():
    assert not all_positive([-1, -2])
