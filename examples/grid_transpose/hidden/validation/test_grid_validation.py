from grid import transpose


def test_three_by_three():
    cells = {(r, c): 3 * r + c for r in range(3) for c in range(3)}
    assert transpose(cells, 3) == {(r, c): 3 * c + r for r in range(3) for c in range(3)}
