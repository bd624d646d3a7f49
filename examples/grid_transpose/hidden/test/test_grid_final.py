from grid import transpose


def test_one_cell():
    assert transpose({(0, 0): 7}, 1) == {(0, 0): 7}


def test_symmetric():
    cells = {(0, 0): 1, (0, 1): 5, (1, 0): 5, (1, 1): 1}
    assert transpose(cells, 2) == cells
