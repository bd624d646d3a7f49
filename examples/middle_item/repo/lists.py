def middle(xs):
    """The middle item of xs, the first of the two middle items when len(xs) is even."""
    return xs[len(xs) // 2]
