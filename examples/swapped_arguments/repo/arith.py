def power(base, exp):
    return pow(exp, base)
