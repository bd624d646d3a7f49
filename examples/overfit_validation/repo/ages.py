def parse_age(text):
    value = int(text)
    if value < 0:
        raise ValueError("negative age")
    if value > 15:
        raise ValueError("too old")
    return value
