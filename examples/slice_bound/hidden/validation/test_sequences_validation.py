from sequences import tail

def test_everything():
    assert tail([5, 6], 2) == [5, 6]

def test_nothing():
    assert tail([5, 6], 0) == []
