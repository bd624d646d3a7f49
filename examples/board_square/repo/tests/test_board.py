from board import on_board


def test_corners_are_on_the_board():
    assert on_board(0, 0, 8)
    assert on_board(7, 7, 8)


def test_a_column_past_the_edge_is_off():
    assert not on_board(8, 0, 8)
    assert not on_board(-1, 3, 8)


def test_a_row_past_the_edge_is_off():
    assert not on_board(3, -1, 8)
    assert not on_board(2, 9, 8)
