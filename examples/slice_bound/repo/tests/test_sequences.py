from sequences import tail

def test_last_two():
    assert tail([1, 2, 3, 4], 2) == [3, 4]

def test_last_one():
    assert tail([1, 2, 3], 1) == [3]
