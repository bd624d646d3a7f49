"""The repair corpus: single-bug programs written for codefit's benchmark (not taken from any other corpus).

Each entry is a correct function, the one bug planted in it (a text replacement that occurs once), the
function the tests call and the inputs. bench/repair_examples.py computes every expected answer by
running the correct function, puts the bug in, and splits the inputs: even positions are the visible
(train) cases, odd positions the held-out ones.
"""

from __future__ import annotations

from typing import Any

Program = dict[str, Any]

PROGRAMS: list[Program] = [
    {
        "name": "gcd",
        "source": """\
def gcd(a, b):
    if b == 0:
        return a
    return gcd(b, a % b)
""",
        "bug": ("gcd(b, a % b)", "gcd(a % b, b)"),
        "cases": [(12, 8), (7, 3), (100, 75), (9, 0), (17, 17), (35, 14), (48, 180), (5, 1)],
    },
    {
        "name": "bitcount",
        "source": """\
def bitcount(n):
    count = 0
    while n:
        n &= n - 1
        count += 1
    return count
""",
        "bug": ("n &= n - 1", "n ^= n - 1"),
        "cases": [(0,), (1,), (7,), (8,), (255,), (1024,), (127,), (6,)],
    },
    {
        "name": "is_prime",
        "source": """\
def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True
""",
        "bug": ("i * i <= n", "i * i < n"),
        "cases": [(1,), (2,), (9,), (13,), (25,), (29,), (49,), (97,), (121,), (4,)],
    },
    {
        "name": "fibonacci",
        "source": """\
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
""",
        "bug": ("a, b = b, a + b", "a, b = b, a * b"),
        "cases": [(0,), (1,), (2,), (5,), (8,), (10,), (3,), (12,)],
    },
    {
        "name": "lower_bound",
        "source": """\
def lower_bound(xs, x):
    lo, hi = 0, len(xs)
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo
""",
        "bug": ("            lo = mid + 1\n", "            lo = mid\n"),
        "cases": [
            ([1, 3, 5], 4),
            ([1, 3, 5], 6),
            ([], 1),
            ([2, 2, 2], 2),
            ([1, 2, 3, 4], 0),
            ([1, 2, 3, 4], 5),
            ([5], 5),
            ([1, 9], 9),
        ],
    },
    {
        "name": "max_subarray",
        "source": """\
def max_subarray(xs):
    best = 0
    here = 0
    for x in xs:
        here = max(0, here + x)
        best = max(best, here)
    return best
""",
        "bug": ("here = max(0, here + x)", "here = here + x"),
        "cases": [
            ([1, -2, 3],),
            ([-1, -2],),
            ([2, 2, -1, 4],),
            ([5, -9, 6],),
            ([],),
            ([-3, 4, -1, 2],),
            ([1, 2, 3],),
            ([4, -10, 1, 1],),
        ],
    },
    {
        "name": "longest_increasing",
        "source": """\
def lis(xs):
    best = [1] * len(xs)
    for i in range(len(xs)):
        for j in range(i):
            if xs[j] < xs[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)
""",
        "bug": ("if xs[j] < xs[i]", "if xs[j] <= xs[i]"),
        "cases": [
            ([1, 2, 3],),
            ([3, 2, 1],),
            ([2, 2, 2],),
            ([1, 3, 2, 4],),
            ([],),
            ([5, 5, 6],),
            ([1, 1],),
            ([4, 1, 2, 2, 3],),
        ],
    },
    {
        "name": "edit_distance",
        "source": """\
def distance(a, b):
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
    return d[len(a)][len(b)]
""",
        "bug": ("a[i - 1] == b[j - 1]", "a[i - 1] == b[j]"),
        "cases": [
            ("kitten", "sitting"),
            ("", "abc"),
            ("abc", "abc"),
            ("ab", "ba"),
            ("flaw", "lawn"),
            ("a", ""),
            ("abcd", "abd"),
            ("xy", "xyz"),
        ],
    },
    {
        "name": "newton_sqrt",
        "source": """\
def sqrt(x):
    guess = x / 2 or 1.0
    for _ in range(50):
        guess = (guess + x / guess) / 2
    return round(guess, 6)
""",
        "bug": ("(guess + x / guess) / 2", "(guess + x / guess) * 2"),
        "cases": [(4,), (9,), (2,), (100,), (0.25,), (10,), (1,), (49,)],
    },
    {
        "name": "pascal_row",
        "source": """\
def pascal(n):
    row = [1]
    for _ in range(n):
        row = [1] + [row[i] + row[i + 1] for i in range(len(row) - 1)] + [1]
    return row
""",
        "bug": ("range(len(row) - 1)", "range(len(row) - 2)"),
        "cases": [(0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,)],
    },
    {
        "name": "kth_smallest",
        "source": """\
def kth(xs, k):
    return sorted(xs)[k - 1]
""",
        "bug": ("sorted(xs)[k - 1]", "sorted(xs)[k]"),
        "cases": [
            ([3, 1, 2], 1),
            ([3, 1, 2], 2),
            ([5, 4], 2),
            ([9, 7, 8, 6], 3),
            ([1], 1),
            ([2, 2, 1], 1),
            ([4, 3, 2, 1], 4),
            ([10, 20], 1),
        ],
    },
    {
        "name": "to_base",
        "source": """\
DIGITS = '0123456789abcdef'


def to_base(n, b):
    if n == 0:
        return '0'
    out = ''
    while n > 0:
        out = DIGITS[n % b] + out
        n //= b
    return out
""",
        "bug": ("n //= b", "n %= b"),
        "cases": [(0, 2), (5, 2), (255, 16), (8, 8), (10, 10), (31, 2), (100, 3), (4095, 16)],
    },
    {
        "name": "rpn",
        "source": """\
OPS = {'+': lambda a, b: a + b, '-': lambda a, b: a - b, '*': lambda a, b: a * b}


def rpn(tokens):
    stack = []
    for tok in tokens:
        if tok in OPS:
            right = stack.pop()
            left = stack.pop()
            stack.append(OPS[tok](left, right))
        else:
            stack.append(int(tok))
    return stack[-1]
""",
        "bug": ("OPS[tok](left, right)", "OPS[tok](right, left)"),
        "cases": [
            (["5", "3", "-"],),
            (["9", "4", "-", "2", "*"],),
            (["2", "3", "*"],),
            (["1", "2", "+"],),
            (["1", "10", "-"],),
            (["8", "2", "-", "1", "-"],),
            (["7"],),
            (["4", "4", "-"],),
        ],
    },
    {
        "name": "insertion_sort",
        "source": """\
def insertion_sort(xs):
    xs = list(xs)
    for i in range(1, len(xs)):
        j = i
        while j > 0 and xs[j - 1] > xs[j]:
            xs[j - 1], xs[j] = xs[j], xs[j - 1]
            j -= 1
    return xs
""",
        "bug": ("xs[j - 1] > xs[j]:", "xs[j - 1] < xs[j]:"),
        "cases": [
            ([3, 1, 2],),
            ([],),
            ([1, 2, 3],),
            ([5, 4, 3, 2],),
            ([2, 2, 1],),
            ([9],),
            ([1, 3, 2],),
            ([4, 1, 4, 1],),
        ],
    },
    {
        "name": "merge_sorted",
        "source": """\
def merge(a, b):
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out + a[i:] + b[j:]
""",
        "bug": ("return out + a[i:] + b[j:]", "return out + a[i:]"),
        "cases": [
            ([1, 3], [2, 4]),
            ([], [1]),
            ([1, 2], []),
            ([5], [1, 2, 3]),
            ([1, 1], [1]),
            ([2, 9], [3]),
            ([0], [0, 5]),
            ([7, 8], [1]),
        ],
    },
    {
        "name": "count_vowels",
        "source": """\
def count_vowels(s):
    return sum(1 for ch in s.lower() if ch in 'aeiou')
""",
        "bug": ("if ch in 'aeiou'", "if ch not in 'aeiou'"),
        "cases": [("hello",), ("",), ("AEIOU",), ("xyz",), ("Banana",), ("sky",), ("queue",), ("Io",)],
    },
    {
        "name": "mean",
        "source": """\
def mean(xs):
    total = 0
    for x in xs:
        total += x
    return total / len(xs)
""",
        "bug": ("total / len(xs)", "total / (len(xs) - 1)"),
        "cases": [
            ([1, 2, 3],),
            ([4],),
            ([2, 2],),
            ([1, 2, 3, 4],),
            ([10, 0],),
            ([5, 5, 5],),
            ([0, 0, 9],),
            ([3, 6],),
        ],
    },
    {
        "name": "palindrome",
        "source": """\
def is_palindrome(s):
    for i in range(len(s) // 2):
        if s[i] != s[-i - 1]:
            return False
    return True
""",
        "bug": ("s[-i - 1]", "s[-i]"),
        "cases": [("abba",), ("abc",), ("",), ("a",), ("racecar",), ("ab",), ("aab",), ("noon",)],
    },
    {
        "name": "fast_power",
        "source": """\
def power(base, exp):
    result = 1
    while exp > 0:
        if exp % 2 == 1:
            result *= base
        base *= base
        exp //= 2
    return result
""",
        "bug": ("            result *= base\n", "            result += base\n"),
        "cases": [(2, 10), (3, 0), (5, 1), (2, 3), (7, 2), (10, 3), (1, 100), (3, 5)],
    },
    {
        "name": "reachable",
        "source": """\
def reachable(graph, start, goal):
    seen = set()
    seen.add(start)
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in graph.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False
""",
        "bug": ("                seen.add(nxt)\n", ""),
        "cases": [
            ({1: [2], 2: [3]}, 1, 3),
            ({1: [2], 2: [1]}, 1, 3),
            ({1: [2], 2: [3], 3: [2]}, 1, 4),
            ({1: [2, 3], 3: [1]}, 1, 4),
            ({}, 1, 1),
            ({1: [1]}, 1, 2),
            ({1: [2], 2: [2]}, 1, 5),
            ({1: [2], 2: [1, 3]}, 1, 3),
            ({2: [1]}, 1, 2),
            ({1: [2, 3], 2: [3], 3: [2]}, 1, 9),
        ],
    },
    {
        "name": "digit_sum",
        "source": """\
def digit_sum(n):
    total = 0
    while n > 0:
        total += n % 10
        n //= 10
    return total
""",
        "bug": ("total += n % 10", "total += n // 10"),
        "cases": [(0,), (5,), (123,), (999,), (1000,), (48,), (7070,), (11,)],
    },
    {
        "name": "long_words",
        "source": """\
def long_words(words, k):
    return [w for w in words if len(w) > k]
""",
        "bug": ("len(w) > k", "len(w) >= k"),
        "cases": [
            (["a", "abc", "ab"], 2),
            (["hello"], 5),
            ([], 1),
            (["xx", "yyy"], 2),
            (["abcd", "ab"], 3),
            (["q"], 0),
            (["aa", "bb"], 2),
            (["tree", "sky"], 3),
        ],
    },
    {
        "name": "dedupe",
        "source": """\
def dedupe(xs):
    seen = set()
    out = []
    for x in xs:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
""",
        "bug": ("if x not in seen", "if x in seen"),
        "cases": [
            ([1, 2, 1],),
            ([],),
            ([3, 3, 3],),
            ([1, 2, 3],),
            ([2, 1, 2, 1],),
            (["a", "b", "a"],),
            ([0],),
            ([5, 4, 5, 6],),
        ],
    },
    {
        "name": "transpose",
        "source": """\
def transpose(grid, n):
    return {(i, j): grid[j, i] for i in range(n) for j in range(n)}
""",
        "bug": ("grid[j, i]", "grid[i, j]"),
        "cases": [
            ({(0, 0): 1}, 1),
            ({(0, 0): 1, (0, 1): 2, (1, 0): 3, (1, 1): 4}, 2),
            ({(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}, 2),
            ({(0, 0): 5, (0, 1): 6, (1, 0): 7, (1, 1): 8}, 2),
            (
                {
                    (0, 0): 0,
                    (0, 1): 1,
                    (0, 2): 2,
                    (1, 0): 3,
                    (1, 1): 4,
                    (1, 2): 5,
                    (2, 0): 6,
                    (2, 1): 7,
                    (2, 2): 8,
                },
                3,
            ),
            ({(0, 0): 9, (0, 1): 1, (1, 0): 1, (1, 1): 9}, 2),
        ],
    },
    {
        "name": "clamp",
        "source": """\
def clamp(x, lo, hi):
    return max(lo, min(x, hi))
""",
        "bug": ("return max(lo, min(x, hi))", "return min(x, hi)"),
        "cases": [
            (5, 0, 10),
            (-3, 0, 10),
            (15, 0, 10),
            (0, 0, 0),
            (2, 3, 4),
            (7, 1, 5),
            (-1, -2, 2),
            (1, 2, 9),
        ],
    },
    {
        "name": "hamming",
        "source": """\
def hamming(a, b):
    return bin(a ^ b).count('1')
""",
        "bug": ("bin(a ^ b)", "bin(a & b)"),
        "cases": [(0, 0), (1, 0), (7, 0), (5, 3), (15, 15), (8, 1), (12, 10), (255, 1)],
    },
    {
        "name": "tail_sum",
        "source": """\
def tail_sum(xs, k):
    return sum(xs[k:])
""",
        "bug": ("sum(xs[k:])", "sum(xs)"),
        "cases": [
            ([1, 2, 3], 0),
            ([1, 2, 3], 1),
            ([5], 1),
            ([4, 4, 4], 2),
            ([], 0),
            ([1, 10, 100], 2),
            ([7, 8], 0),
            ([3, 2, 1], 3),
        ],
    },
    {
        "name": "suffix",
        "source": """\
def add_suffix(word, suffix):
    if word.endswith(suffix):
        return word
    return word + suffix
""",
        "bug": ("return word + suffix", "return suffix + word"),
        "cases": [
            ("run", "s"),
            ("runs", "s"),
            ("", "x"),
            ("ab", "cd"),
            ("test", "ing"),
            ("go", "o"),
            ("x", "y"),
            ("ha", "ha"),
        ],
    },
    {
        "name": "variance",
        "source": """\
def variance(xs):
    m = sum(xs) / len(xs)
    total = 0
    for x in xs:
        d = x - m
        total += d * d
    return total / len(xs)
""",
        "bug": ("total += d * d", "total += d"),
        "cases": [
            ([1, 2, 3],),
            ([5],),
            ([2, 2],),
            ([0, 4],),
            ([1, 1, 1, 5],),
            ([10, 20, 30],),
            ([-1, 1],),
            ([3, 9],),
        ],
    },
    {
        "name": "countdown",
        "source": """\
def countdown(n):
    return list(range(n, 0, -1))
""",
        "bug": ("range(n, 0, -1)", "range(n, 0, 1)"),
        "cases": [(3,), (0,), (1,), (5,), (2,), (4,), (6,), (7,)],
    },
    {
        "name": "top_k_mean",
        "source": """\
def top_k_mean(xs, k):
    best = sorted(xs, reverse=True)[:k]
    return sum(best) / len(best)
""",
        "bug": ("sorted(xs, reverse=True)[:k]", "sorted(xs)[:k]"),
        "cases": [
            ([1, 2, 3], 1),
            ([1, 2, 3], 2),
            ([5, 5], 1),
            ([4, 8, 6], 3),
            ([10], 1),
            ([1, 9, 2, 8], 2),
            ([3, 1], 2),
            ([7, 1, 4], 1),
        ],
    },
    {
        "name": "run_length",
        "source": """\
def run_length(s):
    out = []
    for ch in s:
        if out and out[-1][0] == ch:
            out[-1] = (ch, out[-1][1] + 1)
        else:
            out.append((ch, 1))
    return out
""",
        "bug": ("out.append((ch, 1))", "out.append((ch, 0))"),
        "cases": [("aab",), ("",), ("abc",), ("aaaa",), ("abba",), ("x",), ("zzy",), ("mmnn",)],
    },
    {
        "name": "leap_year",
        "source": """\
def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
""",
        "bug": ("y % 100 != 0", "y % 100 == 0"),
        "cases": [(2000,), (1900,), (2024,), (2023,), (2100,), (1600,), (1996,), (2001,)],
    },
    {
        "name": "binary_to_int",
        "source": """\
def binary_to_int(bits):
    value = 0
    for bit in bits:
        value = value * 2 + int(bit)
    return value
""",
        "bug": ("value * 2 + int(bit)", "value * 2 - int(bit)"),
        "cases": [("0",), ("1",), ("10",), ("111",), ("1000",), ("101",), ("",), ("1101",)],
    },
    {
        "name": "min_coins",
        "source": """\
def min_coins(coins, amount):
    inf = amount + 1
    dp = [0] + [inf] * amount
    for a in range(1, amount + 1):
        for c in coins:
            if c <= a:
                dp[a] = min(dp[a], dp[a - c] + 1)
    return dp[amount] if dp[amount] < inf else -1
""",
        "bug": ("dp[a - c] + 1)", "dp[a - c] - 1)"),
        "cases": [
            ([1, 2, 5], 11),
            ([2], 3),
            ([1], 0),
            ([3, 4], 6),
            ([5, 10], 20),
            ([2, 3], 7),
            ([1, 3, 4], 6),
            ([7], 14),
        ],
    },
    {
        "name": "balanced",
        "source": """\
PAIRS = {')': '(', ']': '['}


def balanced(s):
    stack = []
    for ch in s:
        if ch in '([':
            stack.append(ch)
        elif ch in PAIRS:
            if not stack or stack.pop() != PAIRS[ch]:
                return False
    return not stack
""",
        "bug": ("if not stack or stack.pop() != PAIRS[ch]", "if stack.pop() != PAIRS[ch]"),
        "cases": [(")(",), ("()",), ("]",), ("())",), ("(]",), ("",), ("(()",), ("[()]()",)],
    },
    {
        "name": "hanoi_moves",
        "source": """\
def hanoi_moves(n):
    return 2 ** n - 1
""",
        "bug": ("2 ** n - 1", "2 * n - 1"),
        "cases": [(1,), (2,), (3,), (4,), (5,), (0,), (6,), (10,)],
    },
    {
        "name": "index_of_max",
        "source": """\
def index_of_max(xs):
    best = 0
    for i in range(1, len(xs)):
        if xs[i] > xs[best]:
            best = i
    return best
""",
        "bug": ("if xs[i] > xs[best]", "if xs[i] < xs[best]"),
        "cases": [
            ([1, 3, 2],),
            ([5],),
            ([1, 2, 3],),
            ([3, 2, 1],),
            ([2, 2],),
            ([0, 9, 9],),
            ([4, 1, 5],),
            ([7, 8],),
        ],
    },
    {
        "name": "prefix_sums",
        "source": """\
def prefix_sums(xs):
    out = []
    total = 0
    for x in xs:
        total += x
        out.append(total)
    return out
""",
        "bug": (
            "        total += x\n        out.append(total)\n",
            "        out.append(total)\n        total += x\n",
        ),
        "cases": [
            ([1, 2, 3],),
            ([],),
            ([5],),
            ([1, -1, 1],),
            ([0, 0],),
            ([2, 4, 6, 8],),
            ([3, 3],),
            ([10, -5],),
        ],
    },
    {
        "name": "chunk",
        "source": """\
def chunk(xs, size):
    return [xs[i:i + size] for i in range(0, len(xs), size)]
""",
        "bug": ("xs[i:i + size]", "xs[i:i + size - 1]"),
        "cases": [
            ([1, 2, 3, 4], 2),
            ([1, 2, 3], 2),
            ([], 3),
            ([1], 1),
            ([1, 2, 3, 4, 5], 3),
            ([7, 8], 5),
            ([1, 2, 3, 4, 5, 6], 2),
            ([9, 9, 9], 1),
        ],
    },
    {
        "name": "triangle_kind",
        "source": """\
def triangle(a, b, c):
    if a == b == c:
        return 'equilateral'
    if a == b or b == c or a == c:
        return 'isosceles'
    return 'scalene'
""",
        "bug": ("a == b or b == c or a == c", "a == b or b == c"),
        "cases": [
            (2, 3, 2),
            (1, 1, 1),
            (3, 4, 5),
            (3, 2, 3),
            (2, 2, 3),
            (5, 5, 5),
            (6, 7, 8),
            (1, 2, 2),
            (4, 9, 4),
        ],
    },
    {
        "name": "rotate",
        "source": """\
def rotate(xs, k):
    if not xs:
        return xs
    k %= len(xs)
    return xs[-k:] + xs[:-k] if k else list(xs)
""",
        "bug": ("xs[-k:] + xs[:-k]", "xs[:-k] + xs[-k:]"),
        "cases": [
            ([1, 2, 3], 1),
            ([1, 2, 3], 0),
            ([], 2),
            ([1, 2, 3, 4], 2),
            ([1, 2], 3),
            ([5], 9),
            ([1, 2, 3, 4], 3),
            ([7, 8, 9], 4),
        ],
    },
    {
        "name": "word_count",
        "source": """\
def word_count(text):
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts
""",
        "bug": ("counts.get(word, 0) + 1", "counts.get(word, 1) + 1"),
        "cases": [
            ("a b a",),
            ("",),
            ("x",),
            ("one two three",),
            ("b b b",),
            ("hi hi yo",),
            ("z y z y",),
            ("q",),
        ],
    },
]
