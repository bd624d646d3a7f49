def transpose(cells, size):
    """The transpose of a square grid stored as {(row, column): value}."""
    return {(r, c): cells[r, c] for r in range(size) for c in range(size)}
