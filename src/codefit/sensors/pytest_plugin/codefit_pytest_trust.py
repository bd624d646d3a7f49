"""Which frames run the project's own code as the base tree holds it, for the audit hook.

A project's library may inspect frames, walk the garbage collector or format tracebacks for its
own purposes (boltons' `tbutils`, `gcutils`, `namedutils`); that is the user's code, not the
optimizer tampering with the run. So a frame whose code is the base tree's own is trusted, and
evidence counts only where code the optimizer changed or added is on the stack.

"The base tree's own" is decided per code object, never per file name: the sensor passes the git
blob id of every file the candidate left unchanged since the base tree, and a frame is trusted
only when its code object is one that compiling that file's verified text yields (code objects
compare by their bytecode, constants and names). A file name is not evidence: code compiled or
built (`compile`, `CodeType.replace`, `marshal`, a planted `.pyc`) under the name of an unchanged
file, or a file rewritten on disk after the base tree, is not the base tree's code.

In a file the candidate changed, the functions it left as the base wrote them are the user's too
(click: a pull request that changed one function of `utils.py` made its `LazyFile`, opening a path
a test handed it, look like the candidate reading a test file). The sensor passes the base text
of such files; a frame of one is trusted when its code object is one the base text compiles to,
compared without line numbers (a function the change moved down is the same code). What the
candidate changed or added in the file, and the file's top-level code, compile to other objects.

Self-contained: it runs in the environment of the code under test.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from itertools import chain
from types import CodeType


class Trust:
    """The base tree's own code objects, compiled lazily per file, at most once per run.
    `blobs`: {path: git blob id} of the files unchanged; `bases`: {path: base text} of the Python
    files changed."""

    def __init__(self, root: str, blobs: dict[str, str], bases: dict[str, str] | None = None) -> None:
        prefix = root.rstrip(os.sep) + os.sep
        self._blobs = {os.path.join(prefix, rel): blob for rel, blob in blobs.items() if rel.endswith(".py")}
        self._bases = {os.path.join(prefix, rel): text for rel, text in (bases or {}).items()}
        self._codes: dict[str, frozenset[CodeType]] = {}

    def genuine(self, code: CodeType) -> bool:
        """Whether `code` (a frame's) is the base tree's: of a file it holds unchanged, as compiled
        from it, or a function a changed file keeps as the base wrote it."""
        path = os.path.realpath(code.co_filename)
        codes = self._codes.get(path)
        if codes is None:
            if path in self._blobs:
                codes = self._compile(path)
            elif path in self._bases:
                data = self._bases[path].encode("utf-8", "surrogateescape")  # the base file's bytes
                codes = frozenset(map(unplaced, _compiled(data, path)))
            else:
                return False
            self._codes[path] = codes
        return (code if path in self._blobs else unplaced(code)) in codes

    def _compile(self, path: str) -> frozenset[CodeType]:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return frozenset()
        if blob_id(data) != self._blobs[path]:
            return frozenset()  # rewritten since the base tree: not the user's code any more
        return frozenset(_compiled(data, path))


def _compiled(data: bytes, path: str) -> list[CodeType]:
    """Every code object the file's bytes compile to (none when they do not compile)."""
    try:
        return nested(compile(data, path, "exec", dont_inherit=True))
    except (SyntaxError, ValueError):
        return []


def blob_id(data: bytes) -> str:
    """The id git gives a file of these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# The types of what compiling source puts among a code object's constants.
_CONSTANTS = (str, bytes, int, float, complex, bool, type(None), type(Ellipsis), tuple, frozenset, CodeType)


def compiled_shape(code: CodeType) -> bool:
    """Whether `code` holds only what compiling source gives a code object: names that are exact
    `str`, constants of the builtin types (`_CONSTANTS`, exactly). Code built at run time with a
    `str` subclass for its file name, or an object of its own among its constants, would run its
    builder's methods wherever it is hashed, compared or read (`code in seen`, `name.startswith`):
    such code is nobody's but the candidate's, and is never looked into. Reads only types, compared
    by their ids (a metaclass may define `==` or a hash); the loops are the interpreter's own (the
    audit hook judges every module's code on its stack: a loop in Python here cost more than the
    tests of a small suite)."""
    names = (code.co_name, getattr(code, "co_qualname", ""), code.co_filename)
    tuples = (code.co_consts, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars)
    if _type_ids(names) != _STR or _type_ids(tuples) != _TUPLE:
        return False
    return _type_ids(chain(*tuples[1:])) <= _STR and _compiled_constants(code.co_consts)


# A type's identity as `object.__hash__` gives it (its address): unlike `id()`, it raises no audit
# event, which the audit hook, judging code on every event it takes, would be called for again.
_identity = object.__hash__
_CONSTANT_IDS = frozenset(map(_identity, _CONSTANTS))
_STR, _TUPLE = {_identity(str)}, {_identity(tuple)}
_CODE, _CONTAINERS = _identity(CodeType), frozenset(map(_identity, (tuple, frozenset, CodeType)))


def _type_ids(values: Iterable[object]) -> set[int]:
    return set(map(_identity, map(type, values)))


def _compiled_constants(consts: tuple[object, ...] | frozenset[object]) -> bool:
    kinds = _type_ids(consts)
    if not kinds <= _CONSTANT_IDS:
        return False
    if kinds.isdisjoint(_CONTAINERS):
        return True
    for const in consts:
        kind = _identity(type(const))
        if kind == _CODE:
            if not compiled_shape(const):  # type: ignore[arg-type]
                return False
        elif kind in _CONTAINERS and not _compiled_constants(const):  # type: ignore[arg-type]
            return False
    return True


def exact_text(value: object) -> str | None:
    """`value` as an exact `str` (a file name, a path), without calling any method a subclass of
    `str` or `bytes` defines; None for anything else."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if issubclass(kind, str):
        return str.__str__(value)  # type: ignore[arg-type]  # the base method: an exact copy
    if issubclass(kind, bytes):
        return bytes.decode(value, errors="replace")  # type: ignore[arg-type]
    return None


def nested(code: CodeType) -> list[CodeType]:
    """`code` and every code object defined inside it (functions, classes, lambdas)."""
    found = [code]
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found += nested(const)
    return found


LINES = "co_linetable" if hasattr(CodeType, "co_linetable") else "co_lnotab"  # Python < 3.10


def unplaced(code: CodeType) -> CodeType:
    """`code` without where it lies in its file (its first line, its line table, those of the code
    objects inside it): the same code wherever a change moved it."""
    consts = tuple(unplaced(c) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=1, co_consts=consts, **{LINES: b""})
