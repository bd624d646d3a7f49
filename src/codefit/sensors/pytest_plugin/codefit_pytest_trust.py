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
from types import CodeType, FrameType


class Trust:
    """The base tree's own code objects, compiled lazily per file, at most once per run.
    `blobs`: {path: git blob id} of the files unchanged; `bases`: {path: base text} of the Python
    files changed."""

    def __init__(self, root: str, blobs: dict[str, str], bases: dict[str, str] | None = None) -> None:
        prefix = root.rstrip(os.sep) + os.sep
        self._blobs = {os.path.join(prefix, rel): blob for rel, blob in blobs.items() if rel.endswith(".py")}
        self._bases = {os.path.join(prefix, rel): text for rel, text in (bases or {}).items()}
        self._codes: dict[str, frozenset[CodeType]] = {}

    def genuine(self, frame: FrameType) -> bool:
        """Whether `frame` runs code of the base tree: of a file it holds unchanged, as compiled from
        it, or a function a changed file keeps as the base wrote it."""
        path = os.path.realpath(frame.f_code.co_filename)
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
        return (frame.f_code if path in self._blobs else unplaced(frame.f_code)) in codes

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
