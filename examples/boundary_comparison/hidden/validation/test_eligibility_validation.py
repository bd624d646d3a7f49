from eligibility import is_adult

def test_seventeen():
    assert not is_adult(17)

def test_nineteen():
    assert is_adult(19)
