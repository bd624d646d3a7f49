def average(xs):
    if xs is None:
        return 0.0
    return sum(xs) / len(xs)
