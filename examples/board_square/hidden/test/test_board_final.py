from board import on_board


def test_a_small_board():
    assert on_board(1, 1, 2)
    assert not on_board(1, 2, 2)


def test_a_negative_row_is_off():
    assert not on_board(4, -2, 8)
