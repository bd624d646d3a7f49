def data_rows(lines):
    """The rows of a CSV text's lines, the header line left out."""
    return [line.split(",") for line in lines]


def header(lines):
    return lines[0].split(",")
