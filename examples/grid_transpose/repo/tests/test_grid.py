from grid import transpose


def test_two_by_two():
    cells = {(0, 0): 1, (0, 1): 2, (1, 0): 3, (1, 1): 4}
    assert transpose(cells, 2) == {(0, 0): 1, (0, 1): 3, (1, 0): 2, (1, 1): 4}
