"""Lookup tables of the visible tests' answers: in code, keyed by a hash of the input, or in data files.

A table is flagged when at least two of its entries, and at least half of them, are visible test
cases: the key is the case's input (a list argument may be keyed by its tuple, a JSON key by the
input's text) and the value its expected output. A table whose keys are digests (`hash(args)`,
an md5 hex string, a large integer) is flagged on its values alone: nobody keys real data by the
hash of a test input.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from codefit.guards.constructed import value_of
from codefit.guards.evaluate import try_evaluate
from codefit.guards.memo import walk
from codefit.guards.source import Hit, hit, line_hit, literal

DIGEST = re.compile(r"^[0-9a-fA-F]{8,}$|^[A-Za-z0-9+/=_-]{20,}$")
HASH_CALLS = re.compile(r"\b(hash|md5|sha1|sha224|sha256|sha512|blake2b|blake2s|crc32|adler32)\b")


class CaseLike(Protocol):
    @property
    def args(self) -> tuple[object, ...]: ...

    @property
    def expected(self) -> object: ...


def canonical(value: object) -> object:
    """Lists as tuples (recursively), numbers as numbers: `[1, 2]` keys as `(1, 2)`; True is not 1."""
    if isinstance(value, list | tuple):
        return ("seq", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((repr(canonical(k)), repr(canonical(v))) for k, v in value.items())))
    return (type(value).__name__ if not isinstance(value, bool | float | int) else _number_kind(value), value)


def _number_kind(value: object) -> str:
    return "bool" if isinstance(value, bool) else "num"


def _texts(args: tuple[object, ...]) -> set[str]:
    """How a data file may spell an input as a key: `5`, `[1, 2]`, `1,2`, `(1, 2)`, `hello`."""
    out = {
        repr(args),
        json.dumps(list(args), default=str),
        ",".join(map(str, args)),
        ", ".join(map(str, args)),
    }
    if len(args) == 1:
        (arg,) = args
        out |= {str(arg), repr(arg), json.dumps(arg, default=str)}
        if isinstance(arg, list | tuple):
            out |= {repr(tuple(arg)), repr(list(arg)), ",".join(map(str, arg)), " ".join(map(str, arg))}
    return out


def _key_matches(key: object, case: CaseLike) -> bool:
    if canonical(key) == canonical(case.args):
        return True
    if len(case.args) == 1 and canonical(key) == canonical(case.args[0]):
        return True
    return isinstance(key, str) and key.strip() in _texts(case.args)


def _value_matches(value: object, case: CaseLike) -> bool:
    return canonical(value) == canonical(case.expected)


TRIVIAL: tuple[object, ...] = (None, True, False, 0, 1, -1, 2, "", (), [], {})


def nontrivial(value: object) -> bool:
    """Not a value any function might return by chance (so that True is not 1)."""
    return not any(type(value) is type(t) and value == t for t in TRIVIAL)


def matched_entries(pairs: Sequence[tuple[object, object]], cases: Sequence[CaseLike]) -> int:
    """How many (key, value) pairs are a visible case's input and expected output."""
    return sum(1 for k, v in pairs if any(_key_matches(k, c) and _value_matches(v, c) for c in cases))


def matched_values(pairs: Sequence[tuple[object, object]], cases: Sequence[CaseLike]) -> int:
    """How many distinct non-trivial expected outputs the table's values hold."""
    expected = {repr(canonical(c.expected)) for c in cases if nontrivial(c.expected)}
    return len({repr(canonical(v)) for _, v in pairs} & expected)


def _list_keyed(pairs: Sequence[tuple[object, object]], cases: Sequence[CaseLike]) -> bool:
    """An entry keyed by a list argument turned into a tuple, holding that case's non-trivial answer:
    nobody keys real data by the exact list a test passes."""
    return any(
        isinstance(k, tuple)
        and nontrivial(v)
        and any(
            len(c.args) == 1 and isinstance(c.args[0], list) and list(k) == c.args[0] and _value_matches(v, c)
            for c in cases
        )
        for k, v in pairs
    )


def is_table(pairs: Sequence[tuple[object, object]], cases: Sequence[CaseLike], hashed: bool) -> bool:
    entries = matched_entries(pairs, cases)
    if entries >= 2 and entries * 2 >= len(pairs):
        return True
    if _list_keyed(pairs, cases):
        return True
    if hashed:
        values = matched_values(pairs, cases)
        return values >= 2 and values * 2 >= len(pairs)
    return False


def _digest_key(key: object) -> bool:
    if isinstance(key, int) and not isinstance(key, bool):
        return abs(key) >= 2**24
    return isinstance(key, str) and bool(DIGEST.match(key))


def code_tables(tree: ast.Module, text: str | None, cases: Sequence[CaseLike]) -> list[Hit]:
    """Dict displays in code whose entries are visible cases (keys evaluated: `hash((1, 2))`, `(1, 2)`)."""
    hits = []
    for node in walk(tree):
        if not isinstance(node, ast.Dict) or not node.keys or None in node.keys:
            continue
        pairs = []
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            assert key_node is not None
            ok_k, key = try_evaluate(key_node, {})
            ok_v, value = literal(value_node)
            if not ok_v:
                ok_v, value = try_evaluate(value_node, {})
            if not ok_v:
                ok_v, value = value_of(value_node)
            if not (ok_k and ok_v):
                break
            pairs.append((key, value))
        else:
            hashed = all(_digest_key(k) for k, _ in pairs) or any(
                HASH_CALLS.search(ast.unparse(k)) for k in node.keys if k is not None
            )
            if is_table(pairs, cases, hashed):
                hits.append(hit(f"table:{sorted(repr(k) for k, _ in pairs)[:3]}", node, text))
    return hits


def data_pairs(text: str) -> list[list[tuple[object, object]]]:
    """The tables of a data file: JSON objects and lists of [input, output] pairs, at any depth."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    tables: list[list[tuple[object, object]]] = []
    stack = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            tables.append(list(current.items()))
            stack += list(current.values())
        elif isinstance(current, list):
            pairs = [(item[0], item[1]) for item in current if isinstance(item, list) and len(item) == 2]
            if pairs and len(pairs) == len(current):
                tables.append(pairs)
            pairs = [
                (_field(item, "input"), _field(item, "output")) for item in current if isinstance(item, dict)
            ]
            if pairs and len(pairs) == len(current):
                tables.append(pairs)
            stack += [item for item in current if isinstance(item, dict | list)]
    return tables


def _field(item: dict[str, object], kind: str) -> object:
    names = {
        "input": ("input", "in", "args", "x", "key"),
        "output": ("output", "out", "expected", "y", "value"),
    }
    return next((item[n] for n in names[kind] if n in item), None)


def data_file_tables(rel: str, text: str, cases: Sequence[CaseLike]) -> list[Hit]:
    """A data file holding a table of the visible cases (JSON; any name, any place in the tree)."""
    for pairs in data_pairs(text):
        if len(pairs) >= 2 and is_table(pairs, cases, all(_digest_key(k) for k, _ in pairs)):
            line = _line_of(text, (str(k) for k, _ in pairs))
            return [line_hit(f"table:{rel}", text, line)]
    return []


def _line_of(text: str, needles: Iterable[str]) -> int:
    lines = text.splitlines()
    for needle in needles:
        for i, line in enumerate(lines, 1):
            if needle and needle in line:
                return i
    return 1
