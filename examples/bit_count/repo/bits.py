def bit_count(n):
    """How many bits of a non-negative integer are set (Kernighan's loop)."""
    count = 0
    while n:
        n ^= n - 1
        count += 1
    return count
