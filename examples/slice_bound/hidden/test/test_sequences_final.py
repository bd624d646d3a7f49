from sequences import tail

def test_three_of_five():
    assert tail([1, 2, 3, 4, 5], 3) == [3, 4, 5]
