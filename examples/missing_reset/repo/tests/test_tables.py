from tables import row_sums

def test_two_rows():
    assert row_sums([[1, 2], [3]]) == [3, 3]

def test_no_rows():
    assert row_sums([]) == []
