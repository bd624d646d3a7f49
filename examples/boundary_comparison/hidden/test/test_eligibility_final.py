from eligibility import is_adult

def test_zero():
    assert not is_adult(0)

def test_hundred():
    assert is_adult(100)
