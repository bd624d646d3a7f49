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

Self-contained: it runs in the environment of the code under test.
"""

from __future__ import annotations

import hashlib
import os
from types import CodeType, FrameType


class Trust:
    """The base tree's own code objects, compiled lazily per file, at most once per run."""

    def __init__(self, root: str, blobs: dict[str, str]) -> None:
        prefix = root.rstrip(os.sep) + os.sep
        self._blobs = {os.path.join(prefix, rel): blob for rel, blob in blobs.items() if rel.endswith(".py")}
        self._codes: dict[str, frozenset[CodeType]] = {}

    def genuine(self, frame: FrameType) -> bool:
        """Whether `frame` runs code of a file the base tree holds unchanged, as compiled from it."""
        path = os.path.realpath(frame.f_code.co_filename)
        if path not in self._blobs:
            return False
        codes = self._codes.get(path)
        if codes is None:
            codes = self._codes[path] = self._compile(path)
        return frame.f_code in codes

    def _compile(self, path: str) -> frozenset[CodeType]:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return frozenset()
        if blob_id(data) != self._blobs[path]:
            return frozenset()  # rewritten since the base tree: not the user's code any more
        try:
            module = compile(data, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return frozenset()
        return frozenset(nested(module))


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
