from table import data_rows


def test_only_a_header():
    assert data_rows(["x,y"]) == []
