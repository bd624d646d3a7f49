from board import on_board


def test_the_middle_is_on():
    assert on_board(4, 5, 8)


def test_the_row_just_past_the_edge_is_off():
    assert not on_board(0, 8, 8)
