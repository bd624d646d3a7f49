from table import data_rows


def test_one_row():
    assert data_rows(["k", "v"]) == [["v"]]
