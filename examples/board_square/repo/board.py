def on_board(x, y, size):
    if 0 <= x < size:
        return True
    return False
