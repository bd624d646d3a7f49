def percent(part, whole):
    share = part / whole
    return round(100 * share)
