def sum_first(xs, n):
    """Sum of the first n items of xs."""
    total = 0
    for i in range(n - 1):
        total += xs[i]
    return total
