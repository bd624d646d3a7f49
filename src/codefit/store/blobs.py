"""Content-addressed blobs: transcripts, diffs, feedback and raw streams, stored once by hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from codefit.errors import StoreError


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes | str) -> str:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        digest = hashlib.sha256(raw).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a kill mid-write never leaves a truncated blob under its hash.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.replace(tmp, path)
        return digest

    def get(self, digest: str) -> bytes:
        path = self._path(digest)
        if not path.is_file():
            raise StoreError(f"blob {digest[:12]} is missing", where=str(self.root))
        return path.read_bytes()

    def text(self, digest: str | None) -> str:
        return "" if not digest else self.get(digest).decode("utf-8", errors="replace")

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]
