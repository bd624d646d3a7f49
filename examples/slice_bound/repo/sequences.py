def tail(xs, n):
    return xs[len(xs) - n + 1:]
