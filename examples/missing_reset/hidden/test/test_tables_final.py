from tables import row_sums

def test_three_rows():
    assert row_sums([[1], [2, 2], [3, 3, 3]]) == [1, 4, 9]
