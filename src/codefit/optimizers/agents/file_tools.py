"""File tools for codefit's own agent: list, read, write and edit files, confined to the workspace.

Writes go only to `writable` paths and never to `protected` ones (the tests). Every refusal or
failure is a ToolError whose message the model reads as the tool's result.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codefit.workspace.changes import visible_files

HIDDEN_PARTS = {".git"}


class ToolError(Exception):
    """A refused or failed tool call; its message goes back to the model."""


@dataclass(frozen=True)
class WorkspaceFiles:
    root: Path
    writable: Sequence[str] = ()
    max_read_chars: int = 20_000
    protected: Sequence[str] = ()

    def resolve(self, path: str) -> Path:
        """The absolute path for `path`, refusing anything outside the workspace or inside .git."""
        if not path or "\0" in path:
            raise ToolError("a non-empty relative path is required")
        root = self.root.resolve()
        target = (root / path).resolve()
        if target != root and root not in target.parents:
            raise ToolError(f"{path!r} is outside the workspace")
        if HIDDEN_PARTS & set(target.relative_to(root).parts):
            raise ToolError(f"{path!r} is not accessible")
        return target

    def list_files(self, path: str = ".") -> str:
        base = self.resolve(path or ".")
        rel_base = base.relative_to(self.root.resolve())
        tracked = set(visible_files(self.root))
        prefix = "" if str(rel_base) == "." else f"{rel_base}/"
        listed = sorted(p for p in tracked if p.startswith(prefix))
        return "\n".join(listed) if listed else "(no files)"

    def read_file(self, path: str, start_line: object = None, end_line: object = None) -> str:
        target = self.resolve(path)
        if target.is_dir():
            raise ToolError(f"{path!r} is a directory; use list_files")
        if not target.is_file():
            raise ToolError(f"{path!r} does not exist")
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
        first = max(1, line_number(start_line, "start_line") or 1)
        last = min(len(lines), line_number(end_line, "end_line") or len(lines))
        numbered = "\n".join(f"{n:5d}  {lines[n - 1]}" for n in range(first, last + 1))
        if len(numbered) > self.max_read_chars:
            numbered = numbered[: self.max_read_chars] + "\n... [cut: read a smaller line range]"
        return numbered or "(empty file)"

    def write_file(self, path: str, content: str) -> str:
        target = self._writable(path)
        if target.is_dir():
            raise ToolError(f"{path!r} is a directory; give a file path")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        return f"wrote {path} ({len(content.splitlines())} lines)"

    def edit_file(self, path: str, old: str, new: str) -> str:
        target = self._writable(path)
        if not target.is_file():
            raise ToolError(f"{path!r} does not exist; use write_file to create it")
        try:
            text = target.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ToolError(f"{path!r} is not UTF-8 text; edit_file cannot change it") from None
        count = text.count(old) if old else 0
        if count != 1:
            raise ToolError(f"`old` must occur exactly once in {path} (found {count} times)")
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        return f"edited {path}"

    def _writable(self, path: str) -> Path:
        target = self.resolve(path)
        rel = str(target.relative_to(self.root.resolve()))
        if any(fnmatch.fnmatch(rel, glob) for glob in self.protected):
            raise ToolError(
                f"{rel} is protected ({', '.join(self.protected)}): do not change it; if it contradicts "
                "the task, call flag_contradiction"
            )
        if self.writable and not any(fnmatch.fnmatch(rel, glob) for glob in self.writable):
            raise ToolError(f"{rel} is not writable (writable: {', '.join(self.writable)})")
        return target


def line_number(value: object, name: str) -> int | None:
    """A line number as the model sent it: 12, 12.0 and "12" all mean line 12; nothing means none."""
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):
            number = float(value)
    if number is None or not number.is_integer():
        raise ToolError(f"{name} must be a whole line number, not {value!r}")
    return int(number)
