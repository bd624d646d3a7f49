def row_sums(rows):
    sums = []
    total = 0
    for row in rows:
        for x in row:
            total += x
        sums.append(total)
    return sums
