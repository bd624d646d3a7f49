from tables import row_sums

def test_empty_row():
    assert row_sums([[5], []]) == [5, 0]
