"""Blob ids of files hashed before, by their stat signature, so that a snapshot reads only files
that changed.

The cache lives in the workspace's git directory, outside everything the sandbox lets anyone
write. A signature holds the device, inode, mode, size and both times in nanoseconds; no process
can set a file's change time, so a file written since carries a new signature whatever it does to
its modification time. A file changed within the last `racy_s` seconds is not remembered: a second
write inside one timestamp tick would keep its signature (git's "racily clean" entries).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

RACY_S = 2.0


def signature(info: os.stat_result) -> list[int]:
    return [info.st_dev, info.st_ino, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


class HashCache:
    def __init__(self, file: Path, racy_s: float = RACY_S) -> None:
        self.file = file
        self.racy_ns = int(racy_s * 1e9)
        self.entries: dict[str, list[object]] = {}
        try:
            loaded = json.loads(file.read_text())
        except (OSError, ValueError):
            loaded = {}
        if isinstance(loaded, dict):
            self.entries = {k: v for k, v in loaded.items() if isinstance(v, list) and len(v) == 2}
        self.fresh: dict[str, list[object]] = {}

    def get(self, rel: str, info: os.stat_result) -> str | None:
        """The blob id recorded for `rel` with exactly this signature, else None."""
        entry = self.entries.get(rel)
        if entry is None or entry[0] != signature(info) or not isinstance(entry[1], str):
            return None
        self.fresh[rel] = entry
        return entry[1]

    def put(self, rel: str, info: os.stat_result, sha: str) -> None:
        if time.time_ns() - info.st_ctime_ns > self.racy_ns:
            self.fresh[rel] = [signature(info), sha]

    def save(self) -> None:
        """Keep what this capture saw, nothing older."""
        partial = self.file.with_name(self.file.name + ".new")
        partial.write_text(json.dumps(self.fresh))
        partial.replace(self.file)
