from table import data_rows, header


def test_rows_leave_out_the_header():
    assert data_rows(["a,b", "1,2", "3,4"]) == [["1", "2"], ["3", "4"]]


def test_header():
    assert header(["a,b", "1,2"]) == ["a", "b"]
